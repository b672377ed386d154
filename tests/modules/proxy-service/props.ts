import type { ProxyServiceProps } from "../../../modules/proxy-service/proxy-service";

/** Valid ProxyService props for tests: the example account's ids, one bucket region, `overrides` on top. */
export function proxyServiceProps(overrides: Partial<ProxyServiceProps> = {}): ProxyServiceProps {
  return {
    namePrefix: "rajee-test",
    region: "eu-west-1",
    vpcId: "vpc-123",
    subnetIds: ["subnet-a", "subnet-b"],
    loadBalancerSecurityGroupId: "sg-alb",
    targetGroupArn: "arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/rajee-test-envoy/abc",
    albResourceLabel: "app/rajee-test-alb/123/targetgroup/rajee-test-envoy/456",
    taskRoleArn: "arn:aws:iam::111111111111:role/rajee-test-task",
    executionRoleArn: "arn:aws:iam::111111111111:role/rajee-test-execution",
    envoyImage: "envoyproxy/envoy:v1.34.10",
    authorizerImage: "111111111111.dkr.ecr.eu-west-1.amazonaws.com/rajee-authorizer:0.1.0",
    envoyCommand: ["envoy", "--config-yaml", "static_resources: {}\n", "--drain-time-s", "20"],
    authorizer: {
      jwksSecretArn: "arn:aws:secretsmanager:eu-west-1:111111111111:secret:jwks",
      issuer: "https://issuer.example.com",
      audience: "rajee-test",
      maxTokenLifetimeSeconds: 43200,
      clockSkewSeconds: 30,
      s3Region: "eu-west-1",
      s3Endpoint: "s3.eu-west-1.amazonaws.com",
      virtualHostDomain: "s3.example.com",
    },
    logGroups: { envoy: "/rajee/test/envoy", authorizer: "/rajee/test/authorizer" },
    egressPrefixListIds: ["pl-s3"],
    egressSecurityGroupIds: ["sg-endpoints"],
    ...overrides,
  };
}
