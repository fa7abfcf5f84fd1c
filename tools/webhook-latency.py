#!/usr/bin/env python3
"""Webhook delivery latency (issue 11's target: p95 <= 2 s after the event's transaction commits), on ./crowd up.

A local receiver answers 200 to every POST; a requester posts a per-item batch of N items (default 300) with it as the
callbackUrl, eight simulated workers claim and answer until the batch completes, and the script prints the percentiles
of (delivered_at - created_at) over the batch's webhook deliveries, read from slicing's database. created_at is taken
inside the transaction that raised the event, so this is an upper bound on the delay after its commit.

    ./crowd up && python3 tools/webhook-latency.py 300
"""
import json, subprocess, threading, time, urllib.request, http.server, sys, uuid
import os
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BASE = "http://127.0.0.1:5100"
def token(role, sub):
    out = subprocess.run(["./crowd", "token", "--role", role, "--sub", sub], cwd=ROOT, capture_output=True, text=True).stdout.strip().splitlines()
    return out[-1]
def call(method, path, tok, body=None, ok=(200, 201, 202, 204)):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(BASE + path, data=data, method=method, headers={"Authorization": "Bearer " + tok, "Content-Type": "application/json"})
    for attempt in range(50):
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                txt = r.read().decode()
                return r.status, (json.loads(txt) if txt else None)
        except urllib.error.HTTPError as e:
            if e.code in (429, 503): time.sleep(0.5); continue
            raise
class Receiver(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0)); self.rfile.read(n)
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer.request_queue_size = 256
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 18080), Receiver)
threading.Thread(target=srv.serve_forever, daemon=True).start()
run = uuid.uuid4().hex[:8]
items = int(sys.argv[1]) if len(sys.argv) > 1 else 300
admin = token("admin", "wh-admin"); req = token("requester", f"wh-req-{run}")
call("POST", f"/v1/requesters/wh-req-{run}/deposits", admin, {"amountCents": 10_000_000, "reference": "wh"})
call("POST", f"/v1/requesters/wh-req-{run}/webhook-secret", req)
q = f"wh-{run}"
body = {"name": "webhook latency", "modality": "CT", "labelSchema": {"kind": "classification", "classes": ["a", "b"]},
        "slicing": {"mode": "per-item"}, "redundancy": {"min": 1, "max": 3}, "acceptance": {"threshold": 0.6},
        "pricePerAnnotationCents": 10, "requiredQualifications": [q], "callbackUrl": "http://127.0.0.1:18080/hook",
        "items": [{"externalId": f"i{i}", "contentUri": f"dicomweb://x/{i}"} for i in range(items)]}
_, b = call("POST", "/v1/batches", req, body); batch = b["batchId"]
workers = []
for w in range(8):
    sub = f"wh-w{w}-{run}"; t = token("worker", sub)
    call("PUT", f"/v1/workers/{sub}", t, {"displayName": "W", "timeZone": "UTC"})
    call("PUT", f"/v1/workers/{sub}/qualifications", admin, {"qualifications": [q]})
    workers.append((sub, t))
def work(sub, t):
    idle = 0
    while idle < 40:
        st, c = call("POST", f"/v1/workers/{sub}/claims", t)
        if st == 204: idle += 1; time.sleep(0.25); continue
        idle = 0
        call("POST", f"/v1/claims/{c['claimId']}/submission", t, {"annotation": {"label": "a"}})
th = [threading.Thread(target=work, args=w) for w in workers]; [x.start() for x in th]; [x.join() for x in th]
for _ in range(60):
    _, s = call("GET", f"/v1/batches/{batch}", req)
    if s["status"] == "completed": break
    time.sleep(1)
time.sleep(3)
print("batch", batch, s["status"])
sql = ("select count(*), sum(attempts), round(percentile_cont(0.5) within group (order by extract(epoch from delivered_at - created_at))::numeric, 3), "
       "round(percentile_cont(0.95) within group (order by extract(epoch from delivered_at - created_at))::numeric, 3), "
       "round(max(extract(epoch from delivered_at - created_at))::numeric, 3) from webhook_deliveries "
       f"where batch_id = '{batch}' and status = 'delivered'")
row = subprocess.run(["./crowd", "psql", "slicing", "-At", "-c", sql], cwd=ROOT, capture_output=True, text=True).stdout.strip().splitlines()[-1].split("|")
print(f"webhook deliveries: {row[0]} events in {row[1]} attempts; after the event: p50 {row[2]} s, p95 {row[3]} s, max {row[4]} s")
