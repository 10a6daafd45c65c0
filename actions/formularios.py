"""What every Orienta form shares: yes/no answers, leaving, corrections and questions mid-form.

Each form's validation action subclasses `FormularioOrienta`. Before the form's own validators see
an answer, `run` checks whether the user wants to leave the form (pause it, start it again or
cancel it), to correct an earlier answer, or asked a question instead of answering (then the
question is answered and the form asks again).
"""

from abc import abstractmethod
from collections.abc import Callable
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction

from actions import respuestas
from bot import lectura, temas
from bot.lectura import Salida
from bot.validacion import ErrorValidacion

REQUESTED_SLOT = "requested_slot"
CANCELADO = "formulario_cancelado"
PAUSADO = "formulario_pausado"  # left with "menú" / "salir": the answers stay for "continuar"
CORRIGIENDO = "corrigiendo"  # we asked "which answer do you want to correct?"
PENDIENTE = "pendiente"
#: "<purpose>:<folio>" of the one-time code sent for the status check or the erasure.
CODIGO_PEDIDO = "codigo_pedido"
#: The form's validation action already said how it ended; the finishing action stays quiet.
CONCLUIDO = "formulario_concluido"
ULTIMO_TEMA = "ultimo_tema"

# A question asked mid-form is answered only if the model is at least this sure of its topic.
CONFIANZA_DIGRESION = 0.6
MAX_PALABRAS_SI_NO = 4
# Intents that start another flow: mid-form we say how to leave this one instead.
OTROS_TRAMITES = frozenset(
    {"inscribirme", "cotizar", "consultar_registro", "borrar_datos", "ventanilla_cercana"}
)
RESPUESTAS_DIRECTAS = {
    "pedir_humano": respuestas.PROMOTOR_EN_FORMULARIO,
    "es_bot": "utter_soy_bot",
}


def texto(tracker: Tracker) -> str:
    return (tracker.latest_message.get("text") or "").strip()


def intencion(tracker: Tracker) -> tuple[str | None, float]:
    intent = tracker.latest_message.get("intent") or {}
    return intent.get("name"), float(intent.get("confidence") or 0.0)


def respuesta_si_no(tracker: Tracker) -> bool | None:
    """True / False for yes / no (buttons, "1"/"2", "sí", "claro", "no"...), None otherwise."""
    respuesta = lectura.si_o_no(texto(tracker))
    if respuesta is not None:
        return respuesta
    nombre, confianza = intencion(tracker)
    # The model's afirmar/negar only for short replies: a long sentence is asked again, never
    # read as "no" (a long yes to the privacy notice used to be taken as a refusal).
    corta = len(texto(tracker).split()) <= MAX_PALABRAS_SI_NO
    if nombre in ("afirmar", "negar") and confianza >= CONFIANZA_DIGRESION and corta:
        return nombre == "afirmar"
    return None


def salida_pedida(tracker: Tracker) -> Salida | None:
    """How the user wants to leave the form: read from the text first, so a misread message
    still leaves; the model's `cancelar` alone still cancels, as it always did."""
    salida = lectura.salida_de_formulario(texto(tracker))
    if salida is not None:
        return salida
    nombre, confianza = intencion(tracker)
    if nombre == "cancelar" and confianza >= CONFIANZA_DIGRESION:
        return Salida.CANCELAR
    return None


def limpiar(slots: list[str] | tuple[str, ...]) -> list[dict[str, Any]]:
    return [SlotSet(slot, None) for slot in slots]


def fue_cancelado(tracker: Tracker) -> bool:
    return bool(tracker.get_slot(CANCELADO))


def fue_pausado(tracker: Tracker) -> bool:
    """The form just ended because it was paused: its validation action already said so."""
    return bool(tracker.get_slot(PAUSADO))


class FormularioOrienta(FormValidationAction):
    """Base for Orienta's form validation actions.

    Subclasses set `DEPENDIENTES` (slot -> slots to clear with it when it is corrected, e.g. the
    CURP and its confirmation) and `LECTORES` (slot -> the pure rule of bot/ that reads its
    answer, raising ErrorValidacion or returning None when the text is not one: an answer to
    the question asked is never taken for a correction).
    """

    DEPENDIENTES: dict[str, tuple[str, ...]] = {}
    LECTORES: dict[str, Callable[[str], Any]] = {}
    # Pausing keeps the answers and sets `pendiente` to the form, so "continuar" resumes it and
    # "cancelar" drops it. The registration is resumed by its own answers instead
    # (registro.registro_a_medias), and there `pendiente` means the submission failed.
    PAUSA_CON_PENDIENTE = True
    PAUSADO_RESPUESTA = respuestas.FORMULARIO_PAUSADO

    @abstractmethod
    def name(self) -> str:
        """Abstract, so rasa_sdk does not try to register the base class as an action."""

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        if tracker.get_slot(REQUESTED_SLOT) is None:
            # Activation: Rasa re-validates every answer already kept (a resumed or retried
            # form). Those were validated when given; only what this message brings is new.
            nuevo = texto(tracker)
            candidatos = {k: v for k, v in tracker.slots_to_validate().items() if v == nuevo}
            tracker = _con_candidatos(tracker, candidatos)
        return await super().get_validation_events(dispatcher, tracker, domain)

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        pedido = tracker.get_slot(REQUESTED_SLOT)
        slots = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        if pedido not in slots or pedido not in tracker.slots_to_validate():
            return await super().run(dispatcher, tracker, domain)  # activation or no answer

        salida = salida_pedida(tracker)
        if salida is Salida.CANCELAR:
            return self.cancelar(dispatcher, domain)
        if salida is not None and salida.pausa:
            return self.pausar(dispatcher, tracker, domain, pedido, salida)
        if salida is Salida.REINICIAR:
            eventos = self.reiniciar(dispatcher, tracker, domain)
        else:
            eventos = self.corregir(dispatcher, tracker, pedido, slots) or self.digresion(
                dispatcher, tracker, pedido
            )
        if eventos is None:
            eventos = await super().run(dispatcher, tracker, domain)
            if tracker.get_slot(CORRIGIENDO):
                # An answer instead of a pick of what to correct: later answers that name a
                # field ("mi nombre es…") are answers too. A validator asking "which?" again
                # sets the slot later in the list, and the later event wins.
                eventos = [SlotSet(CORRIGIENDO, False), *eventos]
            return eventos
        tracker.add_slots(eventos)
        siguiente = await self.next_requested_slot(dispatcher, tracker, domain)
        return eventos + ([siguiente] if siguiente else [])

    def _slots_del_formulario(self, domain: dict[str, Any]) -> list[str]:
        """Everything this form asks, and what was derived from those answers."""
        todos = set(self.domain_slots(domain))
        for slot in list(todos):
            todos.update(self.DEPENDIENTES.get(slot, ()))
        return sorted(todos)

    def cancelar(self, dispatcher: CollectingDispatcher, domain: dict[str, Any]) -> list:
        """Forget this form's answers and end it; the form's finishing action says goodbye."""
        return limpiar(self._slots_del_formulario(domain)) + [
            SlotSet(CANCELADO, True),
            SlotSet(REQUESTED_SLOT, None),
        ]

    def pausar(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
        pedido: str,
        salida: Salida,
    ) -> list[dict[str, Any]]:
        """ "menú", "salir", "ya no": end the form keeping the answers, and say so."""
        dados = [
            s for s in self.domain_slots(domain) if s != pedido and tracker.get_slot(s) is not None
        ]
        eventos: list[dict[str, Any]] = [SlotSet(pedido, None)]
        if tracker.get_slot(CORRIGIENDO):
            eventos.append(SlotSet(CORRIGIENDO, False))
        if dados:
            dispatcher.utter_message(response=self.PAUSADO_RESPUESTA)
            if self.PAUSA_CON_PENDIENTE:
                eventos.append(SlotSet(PENDIENTE, self.form_name()))
        elif salida is Salida.MENU:
            dispatcher.utter_message(response=respuestas.FORMULARIO_DEJADO)
        else:  # nothing was given: nothing to keep
            dispatcher.utter_message(response=respuestas.FORMULARIO_CANCELADO)
        if salida is Salida.MENU:
            dispatcher.utter_message(response="utter_menu")
        return eventos + [SlotSet(PAUSADO, True), SlotSet(REQUESTED_SLOT, None)]

    def reiniciar(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """ "empezar de nuevo": forget this form's answers; the form asks its first question."""
        dispatcher.utter_message(response=respuestas.FORMULARIO_REINICIADO)
        eventos = limpiar(self._slots_del_formulario(domain)) + [SlotSet(CORRIGIENDO, False)]
        if tracker.get_slot(PENDIENTE) == self.form_name():
            eventos.append(SlotSet(PENDIENTE, None))
        return eventos

    def es_respuesta(self, tracker: Tracker, pedido: str) -> bool:
        """True when the question being asked takes the text as its answer (see `LECTORES`)."""
        lector = self.LECTORES.get(pedido)
        if lector is None:
            return False
        try:
            return lector(texto(tracker)) is not None
        except ErrorValidacion:
            return False

    def corregir(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, pedido: str, slots: list[str]
    ) -> list[dict[str, Any]] | None:
        """ "me equivoqué en el correo": clear that answer (and what depends on it) to ask again."""
        if not any(campo in slots for campo in lectura.CAMPOS):
            return None  # this form asks nothing that can be corrected by name
        nombre, confianza = intencion(tracker)
        correccion = lectura.correccion_pedida(
            texto(tracker),
            es_respuesta=self.es_respuesta(tracker, pedido),
            eligiendo=bool(tracker.get_slot(CORRIGIENDO)),
            segun_modelo=nombre == "corregir" and confianza >= CONFIANZA_DIGRESION,
        )
        if correccion is None:
            return None
        campo = correccion.campo
        if campo is None:
            dispatcher.utter_message(response=respuestas.CORREGIR_CUAL)
            return [SlotSet(pedido, None), SlotSet(CORRIGIENDO, True)]
        if campo not in slots:
            return None
        dispatcher.utter_message(
            response=respuestas.CORREGIR_CAMPO, campo=lectura.CAMPOS.get(campo, campo)
        )
        borrar = {campo, pedido, *self.DEPENDIENTES.get(campo, ())}
        return limpiar(sorted(borrar)) + [SlotSet(CORRIGIENDO, False)]

    def digresion(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, pedido: str
    ) -> list[dict[str, Any]] | None:
        """A question instead of an answer: answer it, then the form asks its question again."""
        if not lectura.parece_pregunta(texto(tracker)):
            return None
        nombre, confianza = intencion(tracker)
        eventos = [SlotSet(pedido, None)]
        if nombre is None or confianza < CONFIANZA_DIGRESION:
            # A question we cannot place: say so instead of "that is not a valid CURP".
            dispatcher.utter_message(response=respuestas.PREGUNTA_NO_ENTENDIDA)
            return eventos
        entrada = temas.tema_de_mensaje(tracker.latest_message)
        if entrada:
            dispatcher.utter_message(response=temas.respuesta_corta(entrada))
            eventos.append(SlotSet(ULTIMO_TEMA, entrada))
        elif nombre in RESPUESTAS_DIRECTAS:
            dispatcher.utter_message(response=RESPUESTAS_DIRECTAS[nombre])
        elif nombre in OTROS_TRAMITES:
            dispatcher.utter_message(response=respuestas.OTRO_TRAMITE_EN_FORMULARIO)
        else:
            return None
        return eventos


def _con_candidatos(tracker: Tracker, candidatos: dict[str, Any]) -> Tracker:
    """The same tracker, but offering only `candidatos` to the validators."""
    copia = tracker.copy()
    copia.slots_to_validate = lambda: dict(candidatos)
    return copia
