// Optional QR scanning on the operator's "find an order" form: where the browser has BarcodeDetector and a
// camera, a button opens the camera and fills in the number it reads. Typing the number always works.
(function () {
  "use strict";
  var form = document.querySelector("form[data-scan]");
  if (!form || !("BarcodeDetector" in window) || !navigator.mediaDevices) { return; }
  var button = form.querySelector("button.scan");
  var video = form.querySelector("video.scan-view");
  var input = form.querySelector("input[name=number]");
  button.hidden = false;

  function stop(stream) {
    stream.getTracks().forEach(function (t) { t.stop(); });
    video.hidden = true;
  }

  button.addEventListener("click", function () {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
      video.srcObject = stream;
      video.hidden = false;
      video.play();
      var tries = 0;
      (function look() {
        detector.detect(video).then(function (codes) {
          if (codes.length) {
            input.value = codes[0].rawValue;
            stop(stream);
            form.submit();
          } else if (++tries < 600) {
            setTimeout(look, 200);  // about two minutes, then give up and leave the typing
          } else {
            stop(stream);
          }
        }).catch(function () { stop(stream); });
      })();
    }).catch(function () { button.hidden = true; });
  });
})();
