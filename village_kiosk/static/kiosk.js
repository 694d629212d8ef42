/* Village kiosk behaviour, served by the node itself (no CDN, no inline script under the CSP):
   idle warning and reset, read-aloud, the ID number checked as it is typed, the camera, printing.
   Every page works without it; this only makes the touchscreen kinder. */
(function () {
  "use strict";
  var body = document.body;

  /* ---- focus the error summary (GOV.UK): autofocus alone is not reliable after a POST ---- */
  var summary = document.querySelector(".k-error-summary");
  if (summary) { summary.focus(); }

  /* ---- idle warning and reset: nothing of the person may outlive their visit ---- */
  var warnAfter = parseInt(body.dataset.idleWarn || "60", 10) * 1000;
  var resetAfter = parseInt(body.dataset.idleReset || "90", 10) * 1000;
  var panel = document.getElementById("k-idle");
  var left = document.getElementById("k-idle-left");  // the live countdown in the warning
  var last = Date.now();
  var warned = false;

  function forget() {
    try { window.sessionStorage.clear(); window.localStorage.clear(); } catch (e) { /* storage may be off */ }
    if (window.speechSynthesis) { window.speechSynthesis.cancel(); }
  }

  function reset() {
    forget();
    var done = function () { window.location.replace(body.dataset.startUrl || "/"); };
    // fetch with keepalive survives the navigation; the node deletes the draft, photos and session.
    fetch(body.dataset.resetUrl, {method: "POST", keepalive: true, credentials: "same-origin"})
      .then(done, done);
  }

  // The node purges a draft nobody touched for its idle time: tell it the person is still here
  // (at most once a minute, and always on 继续), or a long look at one page loses what was entered.
  var pinged = Date.now();
  function alive(now) {
    if (!body.dataset.aliveUrl) { return; }
    pinged = now;
    fetch(body.dataset.aliveUrl, {method: "POST", credentials: "same-origin", keepalive: true}).catch(function () {});
  }

  function touched() {
    last = Date.now();
    if (last - pinged > 60000) { alive(last); }
    if (warned && panel) { panel.hidden = true; warned = false; alive(last); }
  }

  if (body.dataset.idleArmed === "yes" && body.dataset.resetUrl) {
    ["pointerdown", "keydown", "input", "wheel", "touchstart"].forEach(function (name) {
      document.addEventListener(name, touched, {passive: true, capture: true});
    });
    window.setInterval(function () {
      // A live consult holds the kiosk: the person is talking, not touching (consult.js sets it).
      if (body.dataset.idleHold === "yes") { last = Date.now(); return; }
      var idle = Date.now() - last;
      if (idle >= resetAfter) { reset(); return; }
      if (warned && left) { left.textContent = String(Math.max(0, Math.ceil((resetAfter - idle) / 1000))); }
      if (idle >= warnAfter && !warned && panel) {
        warned = true;
        if (left) { left.textContent = String(Math.max(0, Math.ceil((resetAfter - idle) / 1000))); }
        panel.hidden = false;
        var button = document.getElementById("k-idle-continue");
        if (button) { button.focus(); }
        say(panel.innerText);
      }
    }, 500);
    var cont = document.getElementById("k-idle-continue");
    if (cont) { cont.addEventListener("click", touched); }
  }

  /* ---- follow an application on its way up: "sent, waiting for the township" becomes "received"
     (or "the line is down") as the node learns it, without the person reloading the page ---- */
  var following = {};
  Array.prototype.forEach.call(document.querySelectorAll("[data-delivery-url]"), function (el) {
    if (el.dataset.delivery === "confirmed" || el.dataset.delivery === "refused") { return; }
    (following[el.dataset.deliveryUrl] = following[el.dataset.deliveryUrl] || []).push(el);
  });
  Object.keys(following).forEach(function (url) {
    var tries = 0;
    var timer = window.setInterval(function () {
      if (++tries > 200) { window.clearInterval(timer); return; }  // ten minutes, then the page stands as it is
      fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}}).then(function (r) {
        return r.ok ? r.json() : null;
      }).then(function (d) {
        if (!d) { return; }
        following[url].forEach(function (el) {
          if (el.dataset.delivery !== d.delivery) { el.dataset.delivery = d.delivery; el.textContent = d.text; }
        });
        if (d.delivery === "confirmed" || d.delivery === "refused") { window.clearInterval(timer); }
      }, function () { /* the node itself is busy: try again next time */ });
    }, 3000);
  });

  /* ---- read aloud: the browser's own voice when it has one for the page's language, else the node's
     (espeak-ng, POST /kiosk/speech); no voice at all: no button. On/off is remembered for this visit. ---- */
  var readButton = document.getElementById("k-read");
  var nodeVoice = body.dataset.nodeVoice || "";
  var player = null;
  function reading() { try { return window.sessionStorage.getItem("k-read") === "1"; } catch (e) { return false; } }
  function browserVoice() {
    if (!window.speechSynthesis) { return null; }
    var want = (body.dataset.lang || "zh-CN").slice(0, 2).toLowerCase();
    var voices = window.speechSynthesis.getVoices();
    for (var i = 0; i < voices.length; i++) {
      if ((voices[i].lang || "").toLowerCase().indexOf(want) === 0) { return voices[i]; }
    }
    return null;
  }
  function hush() {
    if (window.speechSynthesis) { window.speechSynthesis.cancel(); }
    if (player) { player.pause(); player = null; }
  }
  function speak(text) {
    text = (text || "").trim();
    if (!text) { return; }
    hush();
    var voice = browserVoice();
    if (voice) {
      var u = new SpeechSynthesisUtterance(text);
      u.voice = voice; u.lang = voice.lang; u.rate = 0.85;
      window.speechSynthesis.speak(u);
      return;
    }
    if (!nodeVoice) { return; }
    body.dataset.speaking = "making";
    fetch(nodeVoice, { method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json" },
                       body: JSON.stringify({ text: text }) })
      .then(function (r) { return r.ok ? r.blob() : Promise.reject(r.status); })
      .then(function (blob) {
        player = new Audio(URL.createObjectURL(blob));
        player.onended = function () { body.dataset.speaking = "done"; };
        body.dataset.speaking = "playing";
        return player.play();
      })
      .catch(function () { body.dataset.speaking = "failed"; });
  }
  window.sanjiSpeak = speak;  // the browser tests hear what the page would say
  // What a screen says: its heading, the error, the question and the choices — not the way back, the
  // buttons' labels or anything hidden. Emoji are left to the node's cleaning as well.
  var SAID = "h1, h2, .k-error-summary li, .k-field-error, legend, label, .k-lead, .k-hint, main p, .k-step, .k-date, dt, dd, .k-tile, .k-choice";
  var SKIP = ".k-back, .k-row, .k-vh, [hidden], .k-keyboard, .k-consult .k-videos, form.k-upload";
  function pageWords() {
    var main = document.getElementById("main");
    if (!main) { return ""; }
    var picked = [];
    main.querySelectorAll(SAID).forEach(function (el) {
      if (el.closest(SKIP) || !el.getClientRects().length) { return; }
      for (var k = 0; k < picked.length; k++) { if (picked[k].contains(el)) { return; } }
      picked.push(el);
    });
    return picked.map(function (el) { return el.innerText.replace(/\s+/g, " ").trim(); })
      .filter(Boolean).join("\n").replace(/[\u2190-\u21ff\u2300-\u23ff\u2600-\u27bf]|[\ud83c-\ud83e][\udc00-\udfff]/g, "");
  }
  window.sanjiPageWords = pageWords;
  function canSpeak() { return !!(browserVoice() || nodeVoice); }
  if (readButton) {
    var offer = function () {
      readButton.hidden = !canSpeak();
      readButton.setAttribute("aria-pressed", reading() ? "true" : "false");
    };
    offer();
    if (window.speechSynthesis && window.speechSynthesis.addEventListener) {
      window.speechSynthesis.addEventListener("voiceschanged", offer);  // voices load late in some browsers
    }
    readButton.addEventListener("click", function () {
      try { window.sessionStorage.setItem("k-read", reading() ? "0" : "1"); } catch (e) { /* ignore */ }
      offer();
      if (reading()) { speak(pageWords()); } else { hush(); }
    });
    if (reading() && canSpeak()) { speak(pageWords()); }
    document.addEventListener("click", function (ev) {
      var el = ev.target.closest("label, .k-step, h1, h2, p, li");
      if (el && reading() && !ev.target.closest("#k-read") && !el.closest(SKIP)) { speak(el.innerText); }
    });
  }

  /* ---- a "read this aloud" button for one text (a notice): speaks whatever the visit's setting ---- */
  var sayButton = document.getElementById("k-say");
  if (sayButton && canSpeak()) {
    sayButton.hidden = false;
    sayButton.addEventListener("click", function () {
      var target = document.getElementById(sayButton.dataset.say);
      if (target) { speak(target.innerText); }
    });
  }

  /* ---- the ID number, checked as soon as 18 characters are typed (GB 11643 check digit) ---- */
  var idInput = document.getElementById("id_number");
  var idLive = document.getElementById("id_number-live");
  var WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  var CHECKS = "10X98765432";
  function idProblem(value) {
    var v = value.replace(/\s/g, "").toUpperCase();
    if (v.length < 18) { return null; }
    if (!/^[0-9]{17}[0-9X]$/.test(v)) { return idLive.dataset.msgFormat; }
    var sum = 0;
    for (var i = 0; i < 17; i++) { sum += parseInt(v[i], 10) * WEIGHTS[i]; }
    return CHECKS[sum % 11] === v[17] ? "" : idLive.dataset.msgCheck;
  }
  if (idInput && idLive) {
    idInput.addEventListener("input", function () {
      var problem = idProblem(idInput.value);
      idLive.textContent = problem === null ? "" : (problem ? "⚠ " + problem : "✔ " + idLive.dataset.msgOk);
      idLive.className = "k-live" + (problem ? " k-live-bad" : (problem === "" ? " k-live-ok" : ""));
      if (problem) { idInput.setAttribute("aria-invalid", "true"); } else { idInput.removeAttribute("aria-invalid"); }
      if (problem) { say(problem); }
    });
  }

  /* ---- the kiosk camera: a live picture, one tap to take the photo, sent with the upload form ---- */
  var cameras = document.querySelectorAll(".k-camera");
  if (cameras.length && navigator.mediaDevices && navigator.mediaDevices.getUserMedia && window.DataTransfer) {
    cameras.forEach(function (box) {
      var stream = null;
      var video = box.querySelector("video");
      var panelEl = box.querySelector(".k-camera-panel");
      var openButton = box.querySelector(".k-camera-open");
      var form = box.nextElementSibling;  /* the plain upload form: the photo goes through it */
      function stop() {
        if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
        panelEl.hidden = true;
        openButton.hidden = false;
      }
      box.hidden = false;
      openButton.addEventListener("click", function () {
        navigator.mediaDevices.getUserMedia({video: {width: {ideal: 1920}, height: {ideal: 1080}}, audio: false})
          .then(function (s) {
            stream = s;
            video.srcObject = s;
            panelEl.hidden = false;
            openButton.hidden = true;
            box.querySelector(".k-camera-shoot").focus();
          })
          .catch(function () { box.hidden = true; }); /* no camera: the file upload remains */
      });
      box.querySelector(".k-camera-close").addEventListener("click", stop);
      box.querySelector(".k-camera-shoot").addEventListener("click", function () {
        if (!stream || !video.videoWidth) { return; }
        var canvas = document.createElement("canvas");
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        canvas.getContext("2d").drawImage(video, 0, 0);
        stop();
        canvas.toBlob(function (blob) {
          var files = new DataTransfer();
          files.items.add(new File([blob], "camera.jpg", {type: "image/jpeg"}));
          form.querySelector("input[type=file]").files = files.files;
          form.submit();
        }, "image/jpeg", 0.9);
      });
    });
  }

  /* ---- printing the receipt ---- */
  var printButton = document.getElementById("r-print");
  if (printButton) { printButton.addEventListener("click", function () { window.print(); }); }
  document.querySelectorAll("[data-print]").forEach(function (b) {
    b.addEventListener("click", function () { window.print(); });
  });
})();
