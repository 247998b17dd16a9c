"""A LiteLLM callback for the end-to-end suite: writes what LiteLLM itself received for each call
(metadata, tags, request headers) to a JSON-lines file, so a test can prove that the metadata
conventions reach LiteLLM unchanged through the sidecar. Loaded by litellm-config.yaml."""

import json
import os
import threading

from litellm.integrations.custom_logger import CustomLogger

_lock = threading.Lock()


def _record(kwargs, outcome):
    path = os.environ.get("E2E_LITELLM_RECORD_FILE")
    if not path:
        return
    params = kwargs.get("litellm_params") or {}
    metadata = params.get("metadata") or params.get("litellm_metadata") or {}
    request = params.get("proxy_server_request") or {}
    standard = kwargs.get("standard_logging_object") or {}
    entry = {
        "outcome": outcome,
        "call_id": kwargs.get("litellm_call_id"),
        "model": kwargs.get("model"),
        "session_id": metadata.get("session_id"),
        "trace_user_id": metadata.get("trace_user_id"),
        "trace_name": metadata.get("trace_name"),
        "tags": metadata.get("tags"),
        "request_tags": standard.get("request_tags"),
        "requester_metadata": (standard.get("metadata") or {}).get("requester_metadata"),
        "headers": {
            k: v for k, v in (request.get("headers") or {}).items()
            if k.lower().startswith("langfuse_") or k.lower().startswith("x-litellm-")
        },
        "response_cost": standard.get("response_cost"),
    }
    line = json.dumps(entry, default=str)
    with _lock, open(path, "a", encoding="utf-8") as handle:
        handle.write(line + "\n")


class E2eRecorder(CustomLogger):
    async def async_log_success_event(self, kwargs, response_obj, start_time, end_time):
        _record(kwargs, "success")

    async def async_log_failure_event(self, kwargs, response_obj, start_time, end_time):
        _record(kwargs, "failure")


recorder = E2eRecorder()
