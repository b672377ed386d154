"""boto3 calls for the client matrix (tests/clients/adapters/boto3.ts), one process per column.

The client is boto3.client("s3") with only what a user sets, all from the environment:
AWS_ENDPOINT_URL, AWS_DEFAULT_REGION, AWS_CA_BUNDLE and the credentials with the JWT as
AWS_SESSION_TOKEN. Usage: python3 boto3_ops.py serve, then one JSON request per line on stdin,
{"operation": ..., "args": {...}}; each is answered by one JSON line on stdout, {"result": ...} or
{"error": "<what boto3 raised>"}. Python and boto3 start once, not once per call.
"""
import json
import sys

import boto3

BUCKET = "data"


def run(s3, operation, args):
    if operation == "upload":
        s3.upload_file(args["file"], BUCKET, args["key"], ExtraArgs=args.get("extra"))
        return None
    if operation == "download":
        s3.download_file(BUCKET, args["key"], args["file"])
        return None
    if operation == "list":
        keys = []
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=args["prefix"]):
            keys += [o["Key"] for o in page.get("Contents", [])]
        return keys
    if operation == "head":
        return s3.head_object(Bucket=BUCKET, Key=args["key"])["ContentLength"]
    if operation == "range":
        body = s3.get_object(Bucket=BUCKET, Key=args["key"], Range=args["range"])["Body"].read()
        with open(args["file"], "wb") as out:
            out.write(body)
        return None
    if operation == "copy":
        s3.copy({"Bucket": BUCKET, "Key": args["source"]}, BUCKET, args["key"])
        return None
    if operation == "delete":
        s3.delete_object(Bucket=BUCKET, Key=args["key"])
        return None
    if operation == "delete-prefix":
        objects = [{"Key": k} for k in list_keys(s3, args["prefix"])]
        if objects:
            check_deleted(s3.delete_objects(Bucket=BUCKET, Delete={"Objects": objects}))
        return None
    if operation == "delete-keys":
        check_deleted(s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": k} for k in args["keys"]]}))
        return None
    if operation == "presign":
        method = "get_object" if args["method"] == "GET" else "put_object"
        return s3.generate_presigned_url(method, Params={"Bucket": BUCKET, "Key": args["key"]}, ExpiresIn=300)
    if operation == "put":
        with open(args["file"], "rb") as body:
            s3.put_object(Bucket=BUCKET, Key=args["key"], Body=body)
        return None
    if operation == "get":
        body = s3.get_object(Bucket=BUCKET, Key=args["key"])["Body"].read()
        with open(args["file"], "wb") as out:
            out.write(body)
        return None
    raise SystemExit(f"unknown operation {operation}")


def list_keys(s3, prefix):
    keys = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix):
        keys += [o["Key"] for o in page.get("Contents", [])]
    return keys


def check_deleted(response):
    # DeleteObjects answers 200 with per-key errors; a batch that deleted nothing is a failure.
    if response.get("Errors"):
        raise SystemExit("DeleteObjects errors: " + json.dumps(response["Errors"]))


def serve():
    s3 = boto3.client("s3")
    for line in sys.stdin:
        request = json.loads(line)
        try:
            answer = {"result": run(s3, request["operation"], request["args"])}
        except (Exception, SystemExit) as error:  # pylint: disable=broad-except
            answer = {"error": f"{type(error).__name__}: {error}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    if sys.argv[1:] != ["serve"]:
        raise SystemExit("usage: boto3_ops.py serve")
    serve()
