// Consola de Orienta: copiar, imprimir y confirmar. Sin dependencias; la consola funciona sin JS.
(function () {
  "use strict";
  document.addEventListener("click", function (ev) {
    var copiar = ev.target.closest("[data-copiar]");
    if (copiar) {
      var origen = document.getElementById(copiar.getAttribute("data-copiar"));
      if (!origen || !navigator.clipboard) return;
      navigator.clipboard.writeText(origen.innerText.trim()).then(function () {
        var aviso = copiar.parentElement.querySelector(".copiado");
        if (aviso) { aviso.hidden = false; setTimeout(function () { aviso.hidden = true; }, 2000); }
      });
      return;
    }
    if (ev.target.closest("[data-imprimir]")) window.print();
  });
  document.addEventListener("submit", function (ev) {
    var pregunta = ev.target.getAttribute("data-confirmar");
    if (pregunta && !window.confirm(pregunta)) ev.preventDefault();
  });
})();
