"""What the Rasa server loads: input channels, tracker and lock stores, event broker.

The Rasa patches (``channels/parches_rasa.py``) are installed here, and only here. Every
component our configuration files give Rasa is a ``channels.*`` dotted path (``credentials.yml``;
``endpoints.yml``, ``deploy/endpoints.prod.yml`` and the files ``scripts/stack.py`` writes), so
Python runs this file before the first of them, in every Rasa process, whatever its
configuration: ``rasa run`` loads channels and stores, ``rasa shell`` only the stores.

They are installed only when Rasa's action machinery (``rasa.core.actions.action``, the module
patched) is already loaded, as it is in a Rasa server (``rasa.core.run`` imports it before it
loads any component). The command-line programs that also live in this package
(``channels.consumidor_metricas``, ``channels.retencion``, ``channels.firmar_twilio``,
``channels.medir_sms``) never load it: importing it pulls in TensorFlow (~9 s, ~500 MB), and the
metrics consumer and the retention job run in pods limited to 256 MiB (deploy/k8s/).
Other programs that want the patches call ``parches_rasa.instalar()`` themselves
(``scripts/perfil_turno.py``).

Rasa's structlog events lose every value that can carry message text
(``channels/registros_sin_texto.py``) in any process where Rasa's logging is loaded.
"""

import sys

# Rasa's CLI has configured structlog by now (rasa/__main__.py): keep message text out of it.
if "rasa.utils.log_utils" in sys.modules:
    from channels import registros_sin_texto

    registros_sin_texto.instalar()

if "rasa.core.actions.action" in sys.modules:
    from channels import parches_rasa

    parches_rasa.instalar()
