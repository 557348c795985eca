// Prepended to the Metro bundle for each Hermes VM run (tests/rn/hermes.mjs): what a
// React Native app's runtime provides and the Hermes shell lacks. ES5 on purpose:
// Hermes 0.12 rejects classes, and this file does not go through Babel.
//
// `fetch` answers from a recorded exchange: replies the harness got from the real
// local backend for requests an earlier run made, matched by the request's path and
// its ops' opIds (a batch's `sentAt` changes at every attempt; its ops do not). A
// request without a recorded reply is noted in `__vssHost.unanswered`, for the
// harness to send to the backend byte for byte, and fails like a lost network.
(function (g) {
  var host = g.__vssHost;
  host.unanswered = [];
  host.done = function (out) {
    out.unanswered = host.unanswered;
    print("VSS_RESULT " + JSON.stringify(out));
  };
  host.fail = function (e) {
    print("VSS_ERROR " + ((e && e.code) || "") + " " + ((e && e.message) || e) + " " + ((e && e.stack) || ""));
  };
  g.console = {
    log: function () {},
    warn: function () { print("console.warn " + Array.prototype.join.call(arguments, " ")); },
    error: function () { print("console.error " + Array.prototype.join.call(arguments, " ")); },
  };
  function Headers(map) { this._map = map || {}; }
  Headers.prototype.get = function (name) {
    var v = this._map[String(name).toLowerCase()];
    return v === undefined ? null : v;
  };
  function Response(status, body) {
    this.status = status;
    this.ok = status >= 200 && status < 300;
    this.headers = new Headers({ "content-type": "application/json" });
    this._body = body;
  }
  Response.prototype.text = function () { return Promise.resolve(this._body); };
  Response.prototype.json = function () { return Promise.resolve(JSON.parse(this._body)); };
  function keyOf(url, body) {
    var req = JSON.parse(body);
    var args = req.args && req.args[0];
    var ops = args && Array.isArray(args.ops) ? args.ops.map(function (o) { return o.opId; }).join(",") : JSON.stringify(args);
    return String(url).replace(/^https?:\/\/[^/]+/, "") + " " + req.path + " " + ops;
  }
  g.Headers = Headers;
  g.Response = Response;
  g.fetch = function (url, init) {
    var body = init && typeof init.body === "string" ? init.body : "";
    var key = keyOf(url, body);
    var reply = host.replies[key];
    if (!reply) {
      host.unanswered.push({ url: String(url), body: body, key: key });
      return Promise.reject(new TypeError("Network request failed"));
    }
    return Promise.resolve(new Response(reply.status, reply.body));
  };
})(globalThis);
