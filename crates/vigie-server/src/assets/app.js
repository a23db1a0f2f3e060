// Vigie review interface: keyboard shortcuts and click-to-reveal. No inline script: the content security
// policy allows only this file.
(function () {
  "use strict";

  function typing(event) {
    var t = event.target;
    return t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
  }

  function submit(id) {
    var form = document.getElementById(id);
    if (form) { form.requestSubmit ? form.requestSubmit() : form.submit(); return true; }
    return false;
  }

  function reveal(figure) {
    figure.classList.toggle("blurred");
    figure.classList.toggle("grey", figure.classList.contains("blurred") && figure.dataset.grey === "1");
  }

  document.addEventListener("DOMContentLoaded", function () {
    // Media: a click reveals (and a second click hides again).
    document.querySelectorAll("figure[data-reveal]").forEach(function (f) {
      f.dataset.grey = f.classList.contains("grey") ? "1" : "0";
      f.addEventListener("click", function (e) {
        if (e.target.tagName === "VIDEO" && !f.classList.contains("blurred")) { return; }
        e.preventDefault();
        reveal(f);
      });
    });
    // Queue rows open their case.
    var rows = Array.prototype.slice.call(document.querySelectorAll("#queue tbody tr[data-href]"));
    rows.forEach(function (r) {
      r.addEventListener("click", function (e) {
        if (e.target.tagName !== "A") { window.location = r.dataset.href; }
      });
    });
    var selected = rows.length ? 0 : -1;
    function select(i) {
      if (!rows.length) { return; }
      selected = Math.max(0, Math.min(rows.length - 1, i));
      rows.forEach(function (r, j) { r.classList.toggle("selected", j === selected); });
      rows[selected].scrollIntoView({ block: "nearest" });
    }
    if (rows.length) { select(0); }

    var help = document.getElementById("help");
    document.addEventListener("keydown", function (e) {
      if (e.ctrlKey || e.metaKey || e.altKey) { return; }
      if (typing(e)) {
        if (e.key === "Escape") { e.target.blur(); }
        return;
      }
      switch (e.key) {
        case "?": if (help) { help.hidden = !help.hidden; } break;
        case "Escape": if (help) { help.hidden = true; } break;
        case "j": select(selected + 1); break;
        case "k": select(selected - 1); break;
        case "Enter": if (rows[selected]) { window.location = rows[selected].dataset.href; } break;
        case "c": submit("confirm-form"); break;
        case "e": submit("escalate-form"); break;
        case "o": submit("reopen-form"); break;
        case "r": {
          var reason = document.getElementById("reason");
          if (reason) { e.preventDefault(); reason.focus(); }
          break;
        }
        case "v": document.querySelectorAll("figure[data-reveal]").forEach(reveal); break;
        case "n": {
          var next = document.getElementById("next-case") || document.getElementById("next-page");
          if (next) { window.location = next.href; }
          break;
        }
        case "u": window.location = "/"; break;
        default: return;
      }
    });
  });
})();
