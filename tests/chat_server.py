"""A real HTTP server on 127.0.0.1 that speaks the chat-completions API, scripted per request.

    with ChatServer([("ok", "text"), ("status", 429), ("ok", "again")]) as srv:
        client = openai.OpenAI(base_url=srv.url, api_key="x")

Each request takes the next step of the script (the last step repeats): ("ok", text) answers with
that text and token usage; ("status", code) answers with that HTTP error; ("sleep", seconds) waits,
then answers "late". Requests are recorded in `srv.requests`.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class ChatServer:
    def __init__(self, script: list[tuple[str, object]]):
        self.script, self.requests, self.lock = list(script), [], threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with server.lock:
                    server.requests.append(body)
                    step = server.script.pop(0) if len(server.script) > 1 else server.script[0]
                kind, arg = step
                if kind == "status":
                    self._send(
                        arg, {"error": {"message": f"scripted {arg}", "type": "server_error"}}, {"retry-after-ms": "10"}
                    )
                    return
                if kind == "sleep":
                    time.sleep(arg)
                    arg = "late"
                prompt_tokens = sum(len(m["content"].split()) for m in body["messages"])
                self._send(
                    200,
                    {
                        "id": f"chatcmpl-{len(server.requests)}",
                        "object": "chat.completion",
                        "created": int(time.time()),
                        "model": body["model"],
                        "choices": [
                            {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": arg}}
                        ],
                        "usage": {
                            "prompt_tokens": prompt_tokens,
                            "completion_tokens": len(str(arg).split()),
                            "total_tokens": prompt_tokens + len(str(arg).split()),
                        },
                    },
                )

            def _send(self, code, payload, headers=None):
                data = json.dumps(payload).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
                    pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self) -> "ChatServer":
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
