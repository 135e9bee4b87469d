// GET /v1/openapi.json: the API described in OpenAPI 3.0 (docs/http.md is the prose). Kept as
// JSON text beside the routes; the API test checks that every route is listed.
#include "http/static_content.hpp"

namespace intentq::http {

std::string_view openapi_json() {
  static constexpr std::string_view kDocument = R"json({
"openapi": "3.0.3",
"info": {"title": "intentq-http", "version": "1",
  "description": "HTTP/JSON front of an intentq broker. Bodies are intentq reply or error maps (docs/protocol.md section 5). Routes other than /, /healthz, /readyz and /v1/openapi.json need `Authorization: Bearer <token>` when the front runs with --tokens."},
"components": {
  "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
  "schemas": {
    "Submission": {"type": "object", "additionalProperties": false, "properties": {
      "params": {"type": "object", "description": "the intent's params (GET /v1/intents)"},
      "id": {"type": "string", "maxLength": 128, "description": "job id; default: http- and 32 random hex digits. Resubmitting an id with the same params joins or re-reads the job"},
      "deadline_ms": {"type": "integer", "minimum": 1, "maximum": 86400000},
      "max_age_ms": {"type": "integer", "minimum": 0, "description": "a cached result this young may answer"},
      "priority": {"type": "string", "enum": ["interactive", "normal", "bulk"]}}},
    "Reply": {"type": "object", "description": "intentq reply or error map", "required": ["id", "intent", "status"], "properties": {
      "id": {"type": "string"}, "intent": {"type": "string"},
      "status": {"type": "string", "enum": ["ok", "error"]},
      "result": {}, "timings_ms": {"type": "object"}, "worker": {"type": "string"},
      "error": {"type": "object", "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "gateway_code": {"type": "integer"}, "gateway_message": {"type": "string"}}}}},
    "Pending": {"type": "object", "properties": {"id": {"type": "string"}, "intent": {"type": "string"}, "status": {"type": "string", "enum": ["pending"]}}}},
  "responses": {
    "Error": {"description": "error map", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Reply"}}}},
    "Reply": {"description": "the job's reply", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Reply"}}}}}},
"security": [{"bearer": []}],
"paths": {
  "/v1/jobs/{intent}": {"post": {"summary": "submit a job and (by default) wait for its reply",
    "parameters": [{"name": "intent", "in": "path", "required": true, "schema": {"type": "string"}},
      {"name": "wait", "in": "query", "schema": {"type": "boolean", "default": true}}],
    "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Submission"}}}},
    "responses": {
      "200": {"$ref": "#/components/responses/Reply"},
      "202": {"description": "wait=false: accepted; Location: /v1/jobs/{id}", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pending"}}}},
      "400": {"$ref": "#/components/responses/Error"}, "401": {"$ref": "#/components/responses/Error"},
      "404": {"description": "UNKNOWN_INTENT, UNKNOWN_ACCOUNT", "$ref": "#/components/responses/Error"},
      "409": {"description": "the id was submitted with another intent or other params", "$ref": "#/components/responses/Error"},
      "413": {"$ref": "#/components/responses/Error"},
      "500": {"description": "INTERNAL", "$ref": "#/components/responses/Error"},
      "502": {"description": "GATEWAY_REFUSED, GATEWAY_ERROR, GATEWAY_PACING, WORKER_LOST, RESULT_TOO_LARGE", "$ref": "#/components/responses/Error"},
      "503": {"description": "BUSY, NO_WORKER, GATEWAY_UNREACHABLE (with Retry-After)", "$ref": "#/components/responses/Error"},
      "504": {"description": "TIMEOUT", "$ref": "#/components/responses/Error"}}}},
  "/v1/jobs/{id}": {
    "get": {"summary": "a job's reply (kept for --store-ttl-ms) or 202 while pending",
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
      "responses": {"200": {"$ref": "#/components/responses/Reply"},
        "202": {"description": "pending", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Pending"}}}},
        "404": {"description": "UNKNOWN_JOB", "$ref": "#/components/responses/Error"}}},
    "delete": {"summary": "cancel a job this caller submitted here (mmi.cancel): 200 {result: {state: queued|running|detached}}; 404 UNKNOWN_JOB for another caller's or an unknown id; 409 CONFLICT when other callers wait for it too; 501 from brokers without mmi.cancel",
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
      "responses": {"200": {"$ref": "#/components/responses/Reply"}, "404": {"$ref": "#/components/responses/Error"},
        "409": {"$ref": "#/components/responses/Error"},
        "501": {"$ref": "#/components/responses/Error"}, "504": {"$ref": "#/components/responses/Error"}}}},
  "/v1/stream": {"get": {"summary": "Server-Sent Events of published results (event: result, data: {topic, reply}); a slow reader gets event: dropped and is closed",
    "parameters": [{"name": "topic", "in": "query", "description": "topic prefix, repeatable (result.summary, result.echo.ok, ...); none: every result", "schema": {"type": "array", "items": {"type": "string"}}, "style": "form", "explode": true}],
    "responses": {"200": {"description": "text/event-stream"}, "503": {"description": "too many streams (--max-sse-clients)"}}}},
  "/v1/stream/stats": {"get": {"summary": "Server-Sent Events for the dashboard: event: snapshot, then event: stats every second",
    "responses": {"200": {"description": "text/event-stream"}}}},
  "/v1/stats": {"get": {"summary": "the broker's mmi.stats (docs/protocol.md section 4)", "responses": {"200": {"description": "stats"}, "503": {"$ref": "#/components/responses/Error"}}}},
  "/v1/intents": {"get": {"summary": "intents, their params schema and live worker counts", "responses": {"200": {"description": "intents"}}}},
  "/v1/openapi.json": {"get": {"summary": "this document", "security": [], "responses": {"200": {"description": "OpenAPI 3.0"}}}},
  "/healthz": {"get": {"summary": "the process is up", "security": [], "responses": {"200": {"description": "ok"}}}},
  "/readyz": {"get": {"summary": "the broker answered mmi.stats in the last 3 s", "security": [], "responses": {"200": {"description": "ready"}, "503": {"description": "broker unreachable"}}}},
  "/metrics": {"get": {"summary": "the front's own Prometheus metrics", "responses": {"200": {"description": "text/plain; version=0.0.4"}}}},
  "/": {"get": {"summary": "the dashboard (one static page, live over /v1/stream/stats)", "security": [], "responses": {"200": {"description": "text/html"}}}}}
})json";
  return kDocument;
}

}  // namespace intentq::http
