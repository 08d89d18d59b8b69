"""Signs a request with botocore's SigV4 (an independent implementation).

Usage: botocore_sign.py REQUEST.json
Input: {"method", "url", "headers": [[name, value]...], "body", "service",
        "region", "amz_date", "access_key", "secret_key", "token"}
Output (stdout, JSON): {"canonical_request", "string_to_sign", "signature"}
"""
import json
import sys

from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

SKIPPED = {"authorization", "x-amz-date", "x-amz-security-token"}


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        d = json.load(f)
    creds = Credentials(d["access_key"], d["secret_key"], d["token"] or None)
    cls = S3SigV4Auth if d["service"] == "s3" else SigV4Auth
    auth = cls(creds, d["service"], d["region"])
    headers = {k: v for k, v in d["headers"] if k.lower() not in SKIPPED}
    request = AWSRequest(method=d["method"], url=d["url"],
                         data=d["body"].encode("utf-8"), headers=headers)
    # add_auth() would read the clock; set what it sets, at the given time.
    request.context["timestamp"] = d["amz_date"]
    request.headers["X-Amz-Date"] = d["amz_date"]
    if d["token"]:
        request.headers["X-Amz-Security-Token"] = d["token"]
    canonical = auth.canonical_request(request)
    string_to_sign = auth.string_to_sign(request, canonical)
    print(json.dumps({
        "canonical_request": canonical,
        "string_to_sign": string_to_sign,
        "signature": auth.signature(string_to_sign, request),
    }))


if __name__ == "__main__":
    main()
