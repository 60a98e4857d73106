/**
 * The scripts `eks-token completion bash|zsh|fish` prints. Each is a thin
 * shim: it sends the words typed so far to `eks-token __complete WORD…`
 * (src/cli/complete.ts answers from the command table) and shows what comes
 * back, falling back to the shell's own file or directory completion when the
 * answer says so. No command or flag is written here, so a saved script never
 * goes stale. Pure text.
 *
 * Measured (2 cores; hyperfine, medians): one completion asks eks-token once,
 * which takes ~20 ms with the executable and ~60 ms with the npm bundle on
 * Node 20 (its floor, node -e 0, being ~25 ms); a script embedding the table
 * would answer in ~1 ms, but would go stale on every upgrade of a saved copy.
 * README "Shell completion" has the numbers.
 */
import type { SHELLS } from "./table/completion.js";

/** bash 4 or later (compopt): readline splits words at = and :, which the script joins again for eks-token. */
const BASH = `# eks-token completion for bash 4 or later. Load it from ~/.bashrc:
#     source <(eks-token completion bash)
# It asks eks-token what may come next (eks-token __complete WORD...), so it
# completes whatever commands and flags the installed eks-token has.
_eks_token() {
    local line=\${COMP_LINE:0:COMP_POINT} trimmed piece l candidate
    local -a words=() lines=()
    local i
    # Readline splits words at = and : (COMP_WORDBREAKS); eks-token reads
    # --output=json and arn:aws:eks:... as one word: join what no space parts.
    for ((i = 0; i <= COMP_CWORD; i++)); do
        trimmed=\${line#"\${line%%[![:space:]]*}"}
        if ((i < COMP_CWORD)); then piece=\${COMP_WORDS[i]}; else piece=$trimmed; fi
        if ((i > 0)) && [[ $trimmed == "$line" ]]; then
            words[\${#words[@]}-1]+=$piece
        else
            words+=("$piece")
        fi
        line=\${trimmed:\${#piece}}
    done
    # Candidates are whole words; bash replaces only its last piece of one.
    local whole=\${words[\${#words[@]}-1]}
    local keep=\${whole:0:\${#whole}-\${#piece}}
    local self=\${COMP_WORDS[0]}
    [[ $self == "~/"* ]] && self=$HOME/\${self:2}
    local out
    out=$("$self" __complete "\${words[@]:1}" 2>/dev/null) || return 0
    while IFS= read -r l; do lines+=("$l"); done <<<"$out"
    local how=\${lines[\${#lines[@]}-1]}
    unset 'lines[\${#lines[@]}-1]'
    COMPREPLY=()
    if [[ $how == :file$'\\t'* || $how == :directory$'\\t'* ]]; then
        local prefix=\${how#*$'\\t'}
        local action=file
        [[ $how == :directory* ]] && action=directory
        while IFS= read -r l; do
            candidate=$prefix$l
            [[ $candidate == "$keep"* ]] && COMPREPLY+=("\${candidate:\${#keep}}")
        done < <(compgen -A "$action" -- "\${whole:\${#prefix}}")
        compopt -o filenames 2>/dev/null
        return 0
    fi
    for l in "\${lines[@]}"; do
        candidate=\${l%%$'\\t'*}
        [[ $candidate == "$keep"* ]] || continue
        candidate=\${candidate:\${#keep}}
        [[ $candidate == *[!A-Za-z0-9_./:=@%+,~-]* ]] && printf -v candidate %q "$candidate"
        COMPREPLY+=("$candidate")
    done
}
complete -o nosort -F _eks_token eks-token 2>/dev/null || complete -F _eks_token eks-token
`;

/** zsh with compinit: sourced (compdef), or autoloaded from $fpath as _eks-token. */
const ZSH = `#compdef eks-token
# eks-token completion for zsh. Load it from ~/.zshrc, after compinit:
#     source <(eks-token completion zsh)
# or save it as _eks-token in a directory of $fpath. It asks eks-token what may
# come next (eks-token __complete WORD...), so it completes whatever commands
# and flags the installed eks-token has.
_eks-token() {
    local self=\${words[1]} out how line value width=0
    [[ $self == '~/'* ]] && self=$HOME/\${self#'~/'}
    out=$("$self" __complete "\${(@Q)words[2,CURRENT-1]}" "\${(Q)PREFIX}" 2>/dev/null) || return 1
    local -a lines values shown
    lines=("\${(@f)out}")
    how=\${lines[-1]}
    lines[-1]=()
    if [[ $how == :(file|directory)$'\\t'* ]]; then
        [[ -n \${how#*$'\\t'} ]] && compset -P "\${(b)how#*$'\\t'}"
        if [[ $how == :directory* ]]; then _files -/; else _files; fi
        return
    fi
    for line in $lines; do
        value=\${line%%$'\\t'*}
        (( \${#value} > width )) && width=\${#value}
    done
    for line in $lines; do
        value=\${line%%$'\\t'*}
        values+=("$value")
        if [[ $line == *$'\\t'* ]]; then shown+=("\${(r:width:)value}  -- \${line#*$'\\t'}"); else shown+=("$value"); fi
    done
    (( $#values )) && compadd -l -V eks-token -d shown -- "\${values[@]}"
}
if [[ $funcstack[1] == _eks-token ]]; then _eks-token "$@"; else compdef _eks-token eks-token; fi
`;

/** fish 3: saved in ~/.config/fish/completions/, or sourced. */
const FISH = `# eks-token completion for fish 3. Save it where fish finds completions:
#     eks-token completion fish > ~/.config/fish/completions/eks-token.fish
# It asks eks-token what may come next (eks-token __complete WORD...), so it
# completes whatever commands and flags the installed eks-token has.
function __eks_token_complete
    set -l words (commandline -opc)
    set -l self (string replace -r '^~/' "$HOME/" -- $words[1])
    set -l word (commandline -ct)
    set -l out ($self __complete $words[2..-1] "$word" 2>/dev/null)
    or return
    set -l how (string split -m 1 \\t -- $out[-1])
    set -e out[-1]
    switch $how[1]
        case :file :directory
            set -l part (string sub -s (math (string length -- "$how[2]") + 1) -- "$word")
            if test $how[1] = :directory
                set out (__fish_complete_directories "$part")
            else
                set out (__fish_complete_path "$part")
            end
            for line in $out
                echo "$how[2]$line"
            end
        case '*'
            printf '%s\\n' $out
    end
end
complete -c eks-token -f -k -a '(__eks_token_complete)'
`;

export const COMPLETION_SCRIPTS: Readonly<Record<(typeof SHELLS)[number], string>> = { bash: BASH, zsh: ZSH, fish: FISH };
