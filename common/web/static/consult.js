/* Live consults in the browser: the mailbox long-poll, presence for staff consoles, and the call.
   The page talks only to its own node (/api/v1/live/…, /api/v1/consults/…); the nodes and the hub
   relay. The kiosk calls (makes the WebRTC offer); the staff console answers. Media goes peer to
   peer. No inline script anywhere (the Content-Security-Policy forbids it). */
(function () {
  "use strict";
  var root = document.querySelector("[data-consult]");
  if (!root) { return; }
  var mode = root.getAttribute("data-consult");            // "kiosk" or "caller" (they call), or "console"
  var csrf = root.getAttribute("data-csrf");
  var iceServers = JSON.parse(root.getAttribute("data-ice") || "[]");
  var s = { after: 0, sid: null, pc: null, seq: 0, expect: 1, ahead: {}, early: [], stream: null, state: "idle",
            status: "paused", appId: null };
  window.sanjiConsult = s;  // for diagnostics (and the browser tests' getStats)

  function $(sel) { return root.querySelector(sel); }
  function post(path, body) {
    return fetch(path, { method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body || {}) }).then(function (r) {
      return r.json().then(function (j) { return { status: r.status, body: j }; });
    });
  }
  function show(state, text) {
    s.state = state;
    root.setAttribute("data-state", state);
    root.querySelectorAll("[data-when]").forEach(function (el) {
      el.hidden = el.getAttribute("data-when").split(" ").indexOf(state) < 0;
    });
    var busy = ["requested", "queued", "ringing", "connecting", "in_call"].indexOf(state) >= 0;
    document.body.setAttribute("data-idle-hold", busy && mode === "kiosk" ? "yes" : "no");
    var label = root.querySelector("[data-say='" + state + "']");
    var status = $("[data-status]");
    // Never an internal state name on screen: a state without words here shows none.
    if (status) { status.textContent = text || (label ? label.textContent : ""); }
  }

  /* ---- the mailbox ---- */
  function poll() {
    fetch("/api/v1/live/poll?after=" + s.after + "&wait=20", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (j) {
        j.messages.forEach(function (m) { s.after = Math.max(s.after, m.n); handle(m); });
        setTimeout(poll, j.retry_ms || 0);
      })
      .catch(function () { setTimeout(poll, 2000); });
  }

  function handle(m) {
    if (m.kind === "consult.signal") { return signal(m); }
    if (m.kind !== "consult.update") { return; }
    if (m.state === "presence") { return presenceShown(m.status); }
    if (mode === "console" && m.state === "ringing") {
      if (s.state === "idle" || s.state === "paused") { ring(m); }
      return;
    }
    if (s.sid && m.sid !== s.sid) { return; }
    if (m.state === "missed") { hangupMedia(); s.sid = null; return presenceShown("paused"); }
    if (m.state === "connecting") { return connecting(m); }
    if (m.state === "in_call") { return show("in_call"); }
    if (m.state === "wrap_up") { hangupMedia(); return show(mode === "console" ? "wrap_up" : "ended"); }
    if (m.state === "unanswered") { hangupMedia(); return show("unanswered"); }
    if (m.state === "closed" || m.state === "cancelled") {
      hangupMedia();
      if (mode === "console") { s.sid = null; return presenceShown(s.status); }
      return show("ended");
    }
    if (m.state === "queued" || m.state === "ringing") { show(m.state); }
  }

  /* ---- the call ---- */
  function media() {
    return navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: true })
      .then(function (stream) {
        s.stream = stream;
        var mine = $("video.mine");
        if (mine) { mine.srcObject = stream; }
        return stream;
      });
  }

  function peer() {
    var pc = new RTCPeerConnection({ iceServers: iceServers });
    s.pc = pc;
    pc.onicecandidate = function (e) {
      if (e.candidate) { send("ice", JSON.stringify(e.candidate)); }
    };
    pc.ontrack = function (e) {
      var theirs = $("video.theirs");
      if (theirs && theirs.srcObject !== e.streams[0]) { theirs.srcObject = e.streams[0]; }
    };
    pc.onconnectionstatechange = function () {
      if (pc.connectionState === "connected" && mode !== "console") {
        post("/api/v1/consults/" + s.sid + "/actions", { action: "connected" });
      }
    };
    s.stream.getTracks().forEach(function (t) { pc.addTrack(t, s.stream); });
    return pc;
  }

  var sending = Promise.resolve();
  function send(type, data) {
    // One at a time, in order: parallel POSTs could overtake each other on the way to the hub.
    s.seq += 1;
    var body = { type: type, seq: s.seq, data: data }, sid = s.sid;
    sending = sending.then(function () { return post("/api/v1/consults/" + sid + "/signal", body); })
      .catch(function () { return null; });
    return sending;
  }

  function connecting(m) {
    show("connecting", m.staff_name ? root.getAttribute("data-connecting").replace("{name}", m.staff_name) : null);
    media().then(function () {
      var pc = peer();
      flush();                                  // an offer may have come while the camera started
      if (mode === "console") { return null; }   // the console waits for the caller's offer
      return pc.createOffer().then(function (offer) {
        return pc.setLocalDescription(offer);
      }).then(function () { return send("offer", pc.localDescription.sdp); });
    }).catch(function (err) { show("failed", String(err)); });
  }

  function signal(m) {
    // Used strictly in the sender's order: an ICE candidate must never be taken before the offer.
    if (m.sid !== s.sid || m.seq < s.expect) { return; }   // another call's, or already used
    s.ahead[m.seq] = m;
    while (s.ahead[s.expect]) {
      var next = s.ahead[s.expect];
      delete s.ahead[s.expect];
      s.expect += 1;
      use(next);
    }
  }

  function use(m) {
    var pc = s.pc;
    if (!pc || (m.type === "ice" && !pc.remoteDescription)) { s.early.push(m); return; }
    if (m.type === "offer") {
      pc.setRemoteDescription({ type: "offer", sdp: m.data })
        .then(function () { return pc.createAnswer(); })
        .then(function (answer) { return pc.setLocalDescription(answer); })
        .then(function () { send("answer", pc.localDescription.sdp); flush(); });
    } else if (m.type === "answer") {
      pc.setRemoteDescription({ type: "answer", sdp: m.data }).then(flush);
    } else if (m.type === "ice") {
      pc.addIceCandidate(JSON.parse(m.data));
    }
  }

  function flush() {
    var waiting = s.early;
    s.early = [];
    waiting.forEach(use);
  }

  function hangupMedia() {
    if (s.pc) { s.pc.close(); s.pc = null; }
    if (s.stream) { s.stream.getTracks().forEach(function (t) { t.stop(); }); s.stream = null; }
    s.seq = 0; s.expect = 1; s.ahead = {}; s.early = [];
  }

  function act(action) {
    if (s.sid) { post("/api/v1/consults/" + s.sid + "/actions", { action: action }); }
  }

  /* ---- the staff console: presence and the ring ---- */
  function presenceShown(status) {
    s.status = status;
    var toggle = $("[data-presence]");
    if (toggle) { toggle.setAttribute("aria-pressed", status === "available" ? "true" : "false"); }
    show(status === "available" ? "idle" : "paused");
  }

  function heartbeat() {
    post("/api/v1/live/presence", { status: s.status }).then(function (r) {
      var hub = $("[data-hub]");
      if (hub) { hub.hidden = !!(r.body && r.body.hub); }
    });
  }

  function ring(m) {
    s.sid = m.sid; s.appId = m.app_id;
    show("ringing");
    var ctx = $("[data-context]");
    if (ctx && m.app_id) {
      fetch("/api/v1/cases/" + encodeURIComponent(m.app_id), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (j) { context(ctx, j, m); });
    }
  }

  function context(box, j, m) {
    box.textContent = "";
    var h = document.createElement("p");
    if (!j) {  // not synced here yet: what the ring said is all there is
      h.textContent = (m.item || "") + " · " + root.getAttribute("data-not-here");
      box.appendChild(h);
      return;
    }
    var a = j.application;
    h.innerHTML = "";
    var link = document.createElement("a");
    link.href = "/cases/" + encodeURIComponent(a.id);
    link.target = "_blank";
    link.textContent = a.tracking_code + " · " + a.item.name + " · " + a.applicant.name;
    h.appendChild(link);
    box.appendChild(h);
    var list = document.createElement("ol");
    j.events.slice(-6).forEach(function (e) {
      var li = document.createElement("li");
      li.textContent = e.at + " " + e.label + (e.reason ? "：" + e.reason : "");
      list.appendChild(li);
    });
    box.appendChild(list);
  }

  root.addEventListener("click", function (e) {
    var b = e.target.closest("button[data-do]");
    if (!b) { return; }
    var what = b.getAttribute("data-do");
    if (what === "available" || what === "paused") {
      s.status = what;
      try { sessionStorage.setItem("sanji-presence", what); } catch (err) { /* private mode */ }
      presenceShown(what);
      heartbeat();
    } else if (what === "accept" || what === "decline") {
      act(what);
      if (what === "decline") { s.sid = null; presenceShown(s.status); }
    } else if (what === "hangup") {
      act(s.state === "in_call" || s.state === "connecting" ? "hangup" : "cancel");
      hangupMedia();
    } else if (what === "wrapped") {
      act("wrapped");
    } else if (what === "callback") {
      post("/api/v1/consults/booking", { kind: what }).then(function (r) {
        var after = root.getAttribute("data-after-booking");
        if (r.status === 201 && after) { window.location.assign(after); return; }
        show(r.status === 201 ? "booked" : "failed");
      });
    } else if (what === "ask") {
      ask();
    }
  });

  var polling = false;
  function ask() {
    hangupMedia();
    show("requested");
    var app = root.getAttribute("data-app");
    post("/api/v1/consults", app ? { app_id: app } : {}).then(function (r) {
      if (r.status !== 200) { return show("failed", r.body.message); }
      s.sid = r.body.sid;
      // Unreachable is not "nobody answers": the line is down (here, or between the township and the county).
      if (r.body.state === "unreachable") { return show(r.body.link === "up" ? "no_county" : "offline"); }
      if (!polling) { polling = true; poll(); }   // the mailbox exists from now on
    });
  }

  if (mode === "console") {
    var kept = null;
    try { kept = sessionStorage.getItem("sanji-presence"); } catch (err) { kept = null; }
    presenceShown(kept === "available" ? "available" : "paused");
    heartbeat();
    setInterval(heartbeat, 15000);
    poll();
  } else {
    show("idle");
    if (root.hasAttribute("data-autostart")) { ask(); }
  }
})();
