"use strict";
(function () {
  const status = document.getElementById("status");
  document.getElementById("endpoint").textContent = window.location.origin + "/codec";
  function say(text, ok) {
    status.textContent = text;
    status.className = ok ? "ok" : "error";
  }
  document.getElementById("open").addEventListener("click", async function () {
    const token = document.getElementById("token").value.trim();
    if (!token) { say("Paste a token first.", false); return; }
    const response = await fetch("/codec/session", {
      method: "POST", credentials: "same-origin", headers: { Authorization: "Bearer " + token },
    });
    if (response.status === 204) {
      document.getElementById("token").value = "";
      say("Session open: the Web UI decodes payloads until your token expires.", true);
    } else {
      const body = await response.json().catch(function () { return {}; });
      say((body.error && body.error.message) || ("Refused (" + response.status + ")"), false);
    }
  });
  document.getElementById("close").addEventListener("click", async function () {
    await fetch("/codec/session", { method: "DELETE", credentials: "same-origin" });
    say("Session ended.", true);
  });
})();
