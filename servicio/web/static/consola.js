// Consola de Orienta: copiar, imprimir, confirmar, respuestas aprobadas y novedades de los casos.
// Sin dependencias; la consola funciona sin JS. La CSP prohíbe scripts en línea y eval.
(function () {
  "use strict";
  var CADA_MS = 5000;
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
  // Una respuesta aprobada se inserta en el cuadro de respuesta para editarla antes de enviar.
  document.addEventListener("change", function (ev) {
    var destino = ev.target.getAttribute && ev.target.getAttribute("data-insertar-en");
    if (!destino || !ev.target.value) return;
    var caja = document.getElementById(destino);
    if (!caja) return;
    caja.value = caja.value ? caja.value + "\n" + ev.target.value : ev.target.value;
    ev.target.value = "";
    caja.focus();
  });

  function pedir(url, alLlegar) {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (datos) { if (datos) alLlegar(datos); })
      .catch(function () { /* sin red: se reintenta en el siguiente ciclo */ });
  }
  function avisar(texto) {
    var aviso = document.getElementById("aviso-novedades");
    if (!aviso) return;
    if (texto) aviso.firstChild.nodeValue = texto;
    aviso.hidden = false;
  }

  // Bandeja: contadores de no leídos y aviso de casos nuevos, sin recargar.
  var tabla = document.querySelector("[data-novedades]");
  if (tabla) {
    var conocidos = {};
    Array.prototype.forEach.call(tabla.querySelectorAll("[data-caso]"), function (fila) {
      conocidos[fila.getAttribute("data-caso")] = true;
    });
    setInterval(function () {
      pedir(tabla.getAttribute("data-novedades"), function (datos) {
        var nuevos = 0;
        datos.casos.forEach(function (caso) {
          var celda = tabla.querySelector('[data-no-leidos="' + caso.id + '"]');
          if (celda) celda.textContent = caso.no_leidos ? String(caso.no_leidos) : "";
          else if (!conocidos[caso.id]) nuevos += 1;
        });
        document.title = (datos.no_leidos ? "(" + datos.no_leidos + ") " : "") + "Canalizaciones";
        if (nuevos) avisar("Hay " + nuevos + " caso(s) nuevo(s). Recarga la página para verlos.");
      });
    }, CADA_MS);
  }

  // Un caso: si llega un mensaje o cambia el estado, se ofrece actualizar.
  var caso = document.querySelector("[data-novedades-caso]");
  if (caso) {
    setInterval(function () {
      pedir(caso.getAttribute("data-novedades-caso"), function (datos) {
        var ultimo = Number(caso.getAttribute("data-ultimo"));
        if (datos.ultimo > ultimo || datos.estado !== caso.getAttribute("data-estado")) {
          avisar(null);
          document.title = "(nuevo) " + document.title.replace(/^\(nuevo\) /, "");
        }
      });
    }, CADA_MS);
  }
})();
