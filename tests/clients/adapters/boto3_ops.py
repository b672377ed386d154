"""One boto3 call per run, for the client matrix (tests/clients/adapters/boto3.ts).

The client is boto3.client("s3") with only what a user sets, all from the environment:
AWS_ENDPOINT_URL, AWS_DEFAULT_REGION, AWS_CA_BUNDLE and the credentials with the JWT as
AWS_SESSION_TOKEN. Usage: python3 boto3_ops.py <operation> '<json arguments>'; prints a JSON result.
"""
import json
import sys

import boto3

BUCKET = "data"


def main():
    operation, args = sys.argv[1], json.loads(sys.argv[2])
    s3 = boto3.client("s3")
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


if __name__ == "__main__":
    print(json.dumps(main()))
