import { Construct } from "constructs";
import { EcrPullThroughCacheRule } from "@cdktf/provider-aws/lib/ecr-pull-through-cache-rule";
import { parseSecretArn } from "../../src/contracts/aws-names";
import { checkNamePrefix, throwProblems } from "../shared/names";
import { partitionOf } from "../shared/policy";

/** Registries the mirror can pull through from. */
export type MirrorUpstream = "ecr-public" | "docker-hub";

export interface ImageMirrorProps {
  /** Prefix of the mirror's repositories, e.g. `rajee-dev` (`rajee-dev/envoyproxy/envoy`). */
  readonly namePrefix: string;
  /** Account of the private registry. */
  readonly accountId: string;
  /** Region of the private registry (the tasks' region). */
  readonly region: string;
  /**
   * Where images come from. ECR Public (`public.ecr.aws`, where Envoy publishes `envoyproxy/envoy`)
   * needs no credentials; Docker Hub does. @default "ecr-public"
   */
  readonly upstream?: MirrorUpstream;
  /** Secrets Manager secret (name prefixed `ecr-pullthroughcache/`) with Docker Hub credentials; required for `docker-hub`. */
  readonly credentialArn?: string;
}

export const DEFAULT_MIRROR_UPSTREAM: MirrorUpstream = "ecr-public";
/** Upstream registry URLs (Amazon ECR user guide, "Sync an upstream registry with an Amazon ECR private registry"). */
export const MIRROR_UPSTREAM_URLS: Readonly<Record<MirrorUpstream, string>> = { "ecr-public": "public.ecr.aws", "docker-hub": "registry-1.docker.io" };
/** ECR requires Docker Hub credential secrets to be named with this prefix. */
export const PULL_THROUGH_SECRET_PREFIX = "ecr-pullthroughcache/";
/** ECR's rule on a pull-through repository prefix. */
const REPOSITORY_PREFIX = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

/**
 * The ECR image that pulls `image` (a Docker Hub or ECR Public reference without a registry host,
 * e.g. `envoyproxy/envoy:v1.34.10@sha256:...`) through the mirror with `prefix`: the same path,
 * tag and digest under `<account>.dkr.ecr.<region>.amazonaws.com/<prefix>/`.
 */
export function mirroredImage(accountId: string, region: string, prefix: string, image: string): string {
  return `${accountId}.dkr.ecr.${region}.amazonaws.com/${prefix}/${image}`;
}

/**
 * An ECR pull-through cache rule, so the tasks pull third-party images (Envoy) from the account's
 * private registry over the VPC's ECR endpoints, never from the internet, and scale-outs never
 * meet an upstream pull limit. ECR creates each repository on its first pull; the execution role
 * needs `ecr:BatchImportUpstreamImage` and `ecr:CreateRepository` on `repositoryArnPattern` for that.
 */
export class ImageMirror extends Construct {
  /** The repository prefix (`<prefix>/envoyproxy/envoy`). */
  readonly repositoryPrefix: string;
  /** ARN pattern of every repository the mirror creates. */
  readonly repositoryArnPattern: string;
  /** The upstream registry URL. */
  readonly upstreamUrl: string;

  constructor(scope: Construct, id: string, props: ImageMirrorProps) {
    super(scope, id);
    const upstream = props.upstream ?? DEFAULT_MIRROR_UPSTREAM;
    checkNamePrefix("image-mirror", props.namePrefix);
    const problems: string[] = [];
    if (!(upstream in MIRROR_UPSTREAM_URLS)) problems.push(`upstream=${JSON.stringify(upstream)} must be ecr-public or docker-hub`);
    if (!REPOSITORY_PREFIX.test(props.namePrefix) || props.namePrefix.length < 2 || props.namePrefix.length > 30) {
      problems.push(`namePrefix=${JSON.stringify(props.namePrefix)} is not an ECR repository prefix; use 2-30 of a-z, 0-9, '.', '_', '-'`);
    }
    if (upstream === "docker-hub") {
      const secret = props.credentialArn === undefined ? undefined : parseSecretArn(props.credentialArn);
      if (!secret || !secret.resource.startsWith(PULL_THROUGH_SECRET_PREFIX)) {
        problems.push(
          `credentialArn=${JSON.stringify(props.credentialArn)} is not a secret named ${PULL_THROUGH_SECRET_PREFIX}*; Docker Hub pull-through needs one holding the Docker Hub credentials`,
        );
      }
    } else if (props.credentialArn !== undefined) {
      problems.push(`credentialArn=${JSON.stringify(props.credentialArn)} is set but ECR Public needs no credentials; omit it`);
    }
    throwProblems("image-mirror", problems);

    this.repositoryPrefix = props.namePrefix;
    this.upstreamUrl = MIRROR_UPSTREAM_URLS[upstream];
    this.repositoryArnPattern = `arn:${partitionOf(props.region)}:ecr:${props.region}:${props.accountId}:repository/${props.namePrefix}/*`;
    new EcrPullThroughCacheRule(this, "rule", {
      ecrRepositoryPrefix: props.namePrefix,
      upstreamRegistryUrl: this.upstreamUrl,
      ...(props.credentialArn === undefined ? {} : { credentialArn: props.credentialArn }),
    });
  }
}
