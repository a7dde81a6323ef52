"""A Python standard-library HTTP client for the proxy tests.

usage: http_client.py proxy|host PROXY_URL TARGET_URL [Name:Value ...]
  proxy: urllib with ProxyHandler (absolute-form request, as HTTP_PROXY does)
  host:  the request goes to PROXY_URL with TARGET_URL's authority as Host (origin-form)
Prints the status, then each response header as "name: value" (lower-case names), then the body
after an empty line.
"""
import sys
import urllib.error
import urllib.parse
import urllib.request

mode, proxy, url, *extra = sys.argv[1:]
if mode == "proxy":
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({"http": proxy}))
    req = urllib.request.Request(url)
else:
    u = urllib.parse.urlsplit(url)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    req = urllib.request.Request(proxy + u.path + ("?" + u.query if u.query else ""), headers={"Host": u.netloc})
for h in extra:
    k, v = h.split(":", 1)
    req.add_header(k, v.strip())
try:
    r = opener.open(req, timeout=10)
    status, headers, body = r.status, r.headers, r.read()
except urllib.error.HTTPError as e:
    status, headers, body = e.code, e.headers, e.read()
print(status)
for k, v in headers.items():
    print(f"{k.lower()}: {v}")
print()
print(body.decode("utf-8", "replace"))
