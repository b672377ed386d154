import type { FunctionUrlEvent } from "../../../handlers/issuer/event";

/**
 * The request payload example of the Lambda Developer Guide, "Invoking Lambda function URLs",
 * "Request payload format" (https://docs.aws.amazon.com/lambda/latest/dg/urls-invocation.html),
 * as AWS prints it: an AWS_IAM URL called by an IAM user of account 111122223333 (the function's
 * own account is 123456789012).
 */
export const AWS_DOCS_EVENT = {
  version: "2.0",
  routeKey: "$default",
  rawPath: "/my/path",
  rawQueryString: "parameter1=value1&parameter1=value2&parameter2=value",
  cookies: ["cookie1", "cookie2"],
  headers: { header1: "value1", header2: "value1,value2" },
  queryStringParameters: { parameter1: "value1,value2", parameter2: "value" },
  requestContext: {
    accountId: "123456789012",
    apiId: "<urlid>",
    authentication: null,
    authorizer: {
      iam: {
        accessKey: "AKIA...",
        accountId: "111122223333",
        callerId: "AIDA...",
        cognitoIdentity: null,
        principalOrgId: null,
        userArn: "arn:aws:iam::111122223333:user/example-user",
        userId: "AIDA...",
      },
    },
    domainName: "<url-id>.lambda-url.us-west-2.on.aws",
    domainPrefix: "<url-id>",
    http: { method: "POST", path: "/my/path", protocol: "HTTP/1.1", sourceIp: "123.123.123.123", userAgent: "agent" },
    requestId: "id",
    routeKey: "$default",
    stage: "$default",
    time: "12/Mar/2020:19:03:58 +0000",
    timeEpoch: 1583348638390,
  },
  body: "Hello from client!",
  pathParameters: null,
  isBase64Encoded: false,
  stageVariables: null,
} as const;

/** A role's unique id for the examples (IAM's are AROA and 17 more characters). */
export const EXAMPLE_ROLE_ID = "AROAEXAMPLEROLEID0001";

/** The `userId` Lambda gives a caller: `<role id>:<session>` for a role session, the AWS example's for anything else. */
function userIdOf(userArn: string): string {
  const session = /:assumed-role\/[^/]+\/(.+)$/.exec(userArn)?.[1];
  return session === undefined ? AWS_DOCS_EVENT.requestContext.authorizer.iam.userId : `${EXAMPLE_ROLE_ID}:${session}`;
}

/**
 * The AWS example as a token request: POST /token with a JSON body, from `userArn` (an assumed-role
 * session unless given), and the caller's account taken from the ARN as Lambda does.
 */
export function tokenRequestEvent(
  body: unknown,
  options: { userArn?: string; userId?: string; path?: string; method?: string; contentType?: string; base64?: boolean } = {},
): FunctionUrlEvent {
  const userArn = options.userArn ?? "arn:aws:sts::111122223333:assumed-role/analyst/alice";
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const path = options.path ?? "/token";
  return {
    ...AWS_DOCS_EVENT,
    rawPath: path,
    headers: { host: "<url-id>.lambda-url.us-west-2.on.aws", "content-type": options.contentType ?? "application/json", "x-amz-date": "20200312T190358Z" },
    requestContext: {
      ...AWS_DOCS_EVENT.requestContext,
      authorizer: { iam: { ...AWS_DOCS_EVENT.requestContext.authorizer.iam, userArn, userId: options.userId ?? userIdOf(userArn), accountId: userArn.split(":")[4] ?? "" } },
      http: { ...AWS_DOCS_EVENT.requestContext.http, method: options.method ?? "POST", path },
    },
    body: options.base64 ? Buffer.from(text).toString("base64") : text,
    isBase64Encoded: options.base64 === true,
  };
}
