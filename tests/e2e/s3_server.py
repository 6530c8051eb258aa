"""A real S3 API on 127.0.0.1 (moto's server, from PyPI) that checks credentials: after the few unauthenticated
calls that create an IAM user with its access key and the bucket, every request must be signed with that key, so
DVC's S3 plugin (dvc-s3, s3fs, aiobotocore) meets the same answers as from AWS for good and bad keys.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

BUCKET = "xraylab-dvc"  # .dvc/config's remote: s3://xraylab-dvc/cache
SETUP_CALLS = 4  # create_user, put_user_policy, create_access_key, create_bucket: the calls before auth is on


@dataclass(frozen=True)
class S3:
    endpoint: str
    key_id: str
    secret: str

    def env(self) -> dict[str, str]:
        return {"AWS_ACCESS_KEY_ID": self.key_id, "AWS_SECRET_ACCESS_KEY": self.secret,
                "AWS_DEFAULT_REGION": "us-east-1"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def serving() -> Iterator[S3]:
    import boto3

    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              env={**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": str(SETUP_CALLS)},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("moto's S3 server did not start")
                time.sleep(0.1)
        endpoint = f"http://127.0.0.1:{port}"
        anonymous = {"endpoint_url": endpoint, "region_name": "us-east-1", "aws_access_key_id": "setup",
                     "aws_secret_access_key": "setup"}
        iam = boto3.client("iam", **anonymous)
        iam.create_user(UserName="ci")
        iam.put_user_policy(UserName="ci", PolicyName="bucket", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
        key = iam.create_access_key(UserName="ci")["AccessKey"]
        boto3.client("s3", **anonymous).create_bucket(Bucket=BUCKET)
        yield S3(endpoint, key["AccessKeyId"], key["SecretAccessKey"])
    finally:
        server.terminate()
        server.wait(timeout=30)
