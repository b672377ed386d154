import type { Construct } from "constructs";
import { ConfigError } from "../../src/config-error";
import { ImageMirror, mirroredImage, type ImageMirrorProps } from "../../modules/image-mirror/image-mirror";
import { onlyResource, synth } from "./synth";

function props(overrides: Partial<ImageMirrorProps> = {}): ImageMirrorProps {
  return { namePrefix: "rajee-test", accountId: "111111111111", region: "eu-west-1", ...overrides };
}

describe("ImageMirror", () => {
  it("pulls through from ECR Public without credentials by default", () => {
    let mirror: ImageMirror | undefined;
    const s = synth((scope: Construct) => {
      mirror = new ImageMirror(scope, "mirror", props());
    });
    expect(onlyResource(s, "aws_ecr_pull_through_cache_rule")).toEqual({ ecr_repository_prefix: "rajee-test", upstream_registry_url: "public.ecr.aws" });
    expect(mirror?.repositoryArnPattern).toBe("arn:aws:ecr:eu-west-1:111111111111:repository/rajee-test/*");
  });

  it("pulls through from Docker Hub with the ecr-pullthroughcache/ credential secret", () => {
    const credentialArn = "arn:aws:secretsmanager:eu-west-1:111111111111:secret:ecr-pullthroughcache/docker-hub-AbCdEf";
    const s = synth((scope: Construct) => new ImageMirror(scope, "mirror", props({ upstream: "docker-hub", credentialArn })));
    expect(onlyResource(s, "aws_ecr_pull_through_cache_rule")).toEqual({
      ecr_repository_prefix: "rajee-test",
      upstream_registry_url: "registry-1.docker.io",
      credential_arn: credentialArn,
    });
  });

  it("rejects Docker Hub without a pull-through credential secret", () => {
    expect(() => synth((scope: Construct) => new ImageMirror(scope, "mirror", props({ upstream: "docker-hub" })))).toThrow(
      new ConfigError(
        "image-mirror: credentialArn=undefined is not a secret named ecr-pullthroughcache/*; Docker Hub pull-through needs one holding the Docker Hub credentials",
      ),
    );
  });

  it("names the mirrored image with the upstream path, tag and digest under the account's registry", () => {
    const digest = `sha256:${"a".repeat(64)}`;
    expect(mirroredImage("111111111111", "eu-west-1", "rajee-test", `envoyproxy/envoy:v1.34.10@${digest}`)).toBe(
      `111111111111.dkr.ecr.eu-west-1.amazonaws.com/rajee-test/envoyproxy/envoy:v1.34.10@${digest}`,
    );
  });
});
