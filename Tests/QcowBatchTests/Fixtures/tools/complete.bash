#!/bin/bash
# complete.bash SCRIPT LINE: loads Debian's bash-completion and the completion script SCRIPT,
# then completes LINE as bash does when TAB is pressed at its end, and prints the candidates,
# one a line. The command of LINE is looked up on PATH, as the script's custom completions call it.
set -u
# shellcheck source=/dev/null
source /usr/share/bash-completion/bash_completion
# shellcheck source=/dev/null
source "$1"
COMP_LINE=$2
COMP_POINT=${#COMP_LINE}
read -ra COMP_WORDS <<<"$COMP_LINE"
if [[ "$COMP_LINE" == *' ' ]]; then COMP_WORDS+=(''); fi
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
# The function the script registered for the command: `complete ... -F FUNCTION COMMAND`.
read -ra spec <<<"$(complete -p "${COMP_WORDS[0]}")"
function=""
for ((i = 0; i < ${#spec[@]} - 1; i++)); do
  if [[ "${spec[i]}" == -F ]]; then function=${spec[i + 1]}; fi
done
COMPREPLY=()
"$function" "${COMP_WORDS[0]}" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
printf '%s\n' "${COMPREPLY[@]}"
