#!/usr/bin/env bash
# Every label the README tells people to run (`ctest -L <label>`) selects the tests it should.
# Usage: check_labels.sh README.md   (run in the build directory; ctest -N lists without running)
set -euo pipefail
readme="$1"
fail() { echo "check_labels: $*" >&2; exit 1; }

# label -> "required test names" and "pattern every selected test matches" / "pattern none matches"
declare -A must_have=(
  [unit]="EnvelopeRequest.RoundTripsEveryField CliParams.ParamsOverlayParamsJsonInOrder"
  [integration]="BrokerProcess.MmiServiceStatsAndUnknownMmi E2eCli.SubmitOkPrintsTheReplyAndExitsZero SimGwsim.FaultRefuse"
  [e2e]="E2eCli.SubmitOkPrintsTheReplyAndExitsZero E2eCli.ErrorReplyExitsTwo"
  [cli]="CliParams.ParamsOverlayParamsJsonInOrder E2eCli.SubmitOkPrintsTheReplyAndExitsZero CliHistory.MultiChunkRangeIsTheSimulatorsBarsWithNoGapOrDuplicate"
  [python]="python_client python_client_mypy"
  [http]="http_api http_hostile http_dashboard_browser"
)
declare -A only=([e2e]='^E2e' [cli]='^(Cli[A-Za-z]*|E2eCli)\.' [python]='^python_client')
declare -A never=([unit]='^(E2e|BrokerProcess|SimGwsim|IntentsE2e)' [integration]='^EnvelopeRequest\.')

labels=$(grep -o 'ctest -L [A-Za-z0-9_]*' "$readme" | awk '{print $3}' | sort -u)
[[ -n "$labels" ]] || fail "the README names no label (ctest -L ...)"
for label in $labels; do
  [[ -n "${must_have[$label]:-}" ]] ||
    fail "the README names label '$label'; add what it must select to tests/suite/check_labels.sh"
  listed=$(ctest -N -L "$label" | sed -n 's/^ *Test *#[0-9]*: //p')
  count=$(grep -c . <<<"$listed" || true)
  [[ "$count" -gt 0 ]] || fail "ctest -L $label selects no test"
  for t in ${must_have[$label]}; do
    grep -qxF "$t" <<<"$listed" || fail "ctest -L $label does not select $t"
  done
  if [[ -n "${only[$label]:-}" ]]; then
    stray=$(grep -Ev "${only[$label]}" <<<"$listed" || true)
    [[ -z "$stray" ]] || fail "ctest -L $label selects tests outside ${only[$label]}: $(head -3 <<<"$stray" | tr '\n' ' ')"
  fi
  if [[ -n "${never[$label]:-}" ]]; then
    wrong=$(grep -E "${never[$label]}" <<<"$listed" || true)
    [[ -z "$wrong" ]] || fail "ctest -L $label selects $(head -3 <<<"$wrong" | tr '\n' ' ')"
  fi
  echo "ctest -L $label: $count tests"
done
