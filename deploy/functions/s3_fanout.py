"""Fan an S3 upload out to every device: an AWS Lambda handler for s3:ObjectCreated:* notifications.

For each uploaded object it computes the SHA-256 (streamed from s3.get_object), lists every thing
(iot.list_things, following nextToken) and writes
    {"state":{"desired":{"s3":{"url":"s3://<bucket>/<key>","hash":"<sha256 hex>"}}}}
into each thing's classic shadow. A thing without a shadow is skipped (get_thing_shadow answers
ResourceNotFoundException); a throttled update is retried once after a short pause.

Environment (all optional on AWS; the Lambda role's credentials sign every call):
    IOT_DATA_ENDPOINT       the account's iot:Data-ATS endpoint (host or https:// URL); asked of
                            iot.describe_endpoint when unset
    AWS_ENDPOINT_URL_S3     S3 endpoint override (e.g. LocalIotCore's https://localhost:8443)
    AWS_ENDPOINT_URL_IOT    IoT control-plane endpoint override (ListThings, DescribeEndpoint)
    AWS_CA_BUNDLE           CA bundle for a private CA (read by botocore itself)
    LIST_THINGS_PAGE_SIZE   maxResults of each ListThings page (default 100, AWS's limit 250)
    THROTTLE_RETRY_SECONDS  pause before the one retry of a throttled update (default 0.5)

Run outside Lambda: python3 s3_fanout.py event.json  (prints the per-thing results as JSON).
"""

import hashlib
import json
import logging
import os
import sys
import time
import urllib.parse

import boto3

log = logging.getLogger()
log.setLevel(logging.INFO)


def _client(service, endpoint_variable=None):
    # Recent botocore reads AWS_ENDPOINT_URL_<SERVICE> itself; passing it keeps older ones (and LocalIotCore runs) working.
    endpoint = os.environ.get(endpoint_variable) if endpoint_variable else None
    return boto3.client(service, endpoint_url=endpoint or None)


def _data_endpoint(iot):
    endpoint = os.environ.get("IOT_DATA_ENDPOINT") or iot.describe_endpoint(endpointType="iot:Data-ATS")["endpointAddress"]
    return endpoint if endpoint.startswith("https://") else "https://" + endpoint


def sha256_of(s3, bucket, key):
    body = s3.get_object(Bucket=bucket, Key=key)["Body"]
    digest = hashlib.sha256()
    for chunk in iter(lambda: body.read(1024 * 1024), b""):
        digest.update(chunk)
    return digest.hexdigest()


def every_thing(iot, page_size):
    token = None
    while True:
        page = iot.list_things(maxResults=page_size, **({"nextToken": token} if token else {}))
        for thing in page.get("things", []):
            yield thing["thingName"]
        token = page.get("nextToken")
        if not token:
            return


def update_shadow(data, thing, payload, retry_pause):
    try:
        data.get_thing_shadow(thingName=thing)["payload"].read()  # read, so the connection goes back to the pool
    except data.exceptions.ResourceNotFoundException:
        return {"thing": thing, "status": "skipped: no shadow"}
    except data.exceptions.ClientError as error:
        return {"thing": thing, "status": "failed: " + str(error), "attempts": 0}
    for attempt in (1, 2):
        try:
            version = json.load(data.update_thing_shadow(thingName=thing, payload=payload)["payload"]).get("version")
            return {"thing": thing, "status": "updated", "version": version, "attempts": attempt}
        except data.exceptions.ThrottlingException as error:
            if attempt == 2:
                return {"thing": thing, "status": "failed: " + str(error), "attempts": attempt}
            time.sleep(retry_pause)
        except data.exceptions.ClientError as error:
            return {"thing": thing, "status": "failed: " + str(error), "attempts": attempt}


def fan_out(bucket, key, s3, iot, data):
    url = "s3://" + bucket + "/" + key
    digest = sha256_of(s3, bucket, key)
    payload = json.dumps({"state": {"desired": {"s3": {"url": url, "hash": digest}}}}).encode()
    page_size = int(os.environ.get("LIST_THINGS_PAGE_SIZE", "100"))
    retry_pause = float(os.environ.get("THROTTLE_RETRY_SECONDS", "0.5"))
    results = [update_shadow(data, thing, payload, retry_pause) for thing in every_thing(iot, page_size)]
    for result in results:
        log.info("%s %s: %s", url, result["thing"], result["status"])
    return {"url": url, "hash": digest, "results": results}


def handler(event, context):
    s3 = _client("s3", "AWS_ENDPOINT_URL_S3")
    iot = _client("iot", "AWS_ENDPOINT_URL_IOT")
    data = boto3.client("iot-data", endpoint_url=_data_endpoint(iot))
    uploads = []
    for record in event.get("Records", []):
        if not record.get("eventName", "ObjectCreated:").startswith("ObjectCreated:"):
            continue
        # S3 notifications URL-encode keys, spaces as '+'.
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        uploads.append(fan_out(record["s3"]["bucket"]["name"], key, s3, iot, data))
    return {"uploads": uploads}


if __name__ == "__main__":
    logging.basicConfig(stream=sys.stderr, format="%(levelname)s %(message)s")
    with open(sys.argv[1], encoding="utf-8") as event_file:
        print(json.dumps(handler(json.load(event_file), None), indent=2))
