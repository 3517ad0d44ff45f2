# bash completion for nslab(1)                             -*- shell-script -*-
#
# Installed as share/bash-completion/completions/nslab (bash-completion
# loads it on first use); without that package: source this file.
# Completes verbs (asked from the nslab being completed, so they follow
# the program), lab files, names of labs that are up (/run/nslab or
# $NSLAB_STATE_DIR), their nodes (the pins /run/netns/LAB.NODE), NODE:IFACE
# (interfaces read with `ip -n`, as root), and each verb's options.
# Needs nothing from the bash-completion package.

_nslab_verbs() {
    local v
    v=$("$1" help 2>/dev/null | sed -n 's/^  \([a-z][a-z]*\) .*/\1/p; s/^  \([a-z][a-z]*\)$/\1/p')
    [[ -n $v ]] || v="run up repl down ls clean nodes exec shell pids identify monitor
        test check graph inspect shape unshape link capture version help"
    printf '%s\n' $v
}

# Where the caller's labs are: root's /run/nslab, or a rootless user's
# runtime directory (docs/rootless.md).
_nslab_state() {
    if [[ -n ${NSLAB_STATE_DIR:-} ]]; then printf '%s' "$NSLAB_STATE_DIR"
    elif (( EUID == 0 )); then printf '/run/nslab'
    elif [[ -n ${XDG_RUNTIME_DIR:-} && -O $XDG_RUNTIME_DIR ]]; then printf '%s/nslab/labs' "$XDG_RUNTIME_DIR"
    else printf '/tmp/nslab-%s/labs' "$EUID"
    fi
}

_nslab_labs() {
    local d f
    d=$(_nslab_state)
    for f in "$d"/*/; do
        [[ -d $f ]] || continue
        f=${f%/}
        printf '%s\n' "${f##*/}"
    done
}

_nslab_nodes() {
    local lab=$1 f
    [[ -n $lab ]] || return
    local pins=/run/netns
    (( EUID == 0 )) || pins=$(_nslab_state)/../netns
    for f in "$pins"/"$lab".*; do
        [[ -e $f ]] && printf '%s\n' "${f##*/"$lab".}"
    done
}

_nslab_ifaces() {
    ip -n "$1.$2" -o link show 2>/dev/null | sed -n 's/^[0-9]*: \([^:@ ]*\).*/\1/p'
}

# COMPREPLY from a word list, one word a line.
_nslab_reply() {
    local IFS=$'\n'
    COMPREPLY+=($(compgen -W "$1" -- "$2"))
}

_nslab_files() {   # $1 = current word, $2 = glob pattern to keep (or empty)
    local IFS=$'\n'
    compopt -o filenames 2>/dev/null
    COMPREPLY+=($(compgen -d -- "$1"))
    if [[ -n $2 ]]; then
        COMPREPLY+=($(compgen -f -X "!$2" -- "$1"))
    else
        COMPREPLY+=($(compgen -f -- "$1"))
    fi
}

# NODE:IFACE of lab $1 for the current word $2.
_nslab_endpoint() {
    local lab=$1 cur=$2 n i words=""
    if [[ $cur == *:* ]]; then
        n=${cur%%:*}
        for i in $(_nslab_ifaces "$lab" "$n"); do words+="$n:$i"$'\n'; done
    else
        for n in $(_nslab_nodes "$lab"); do words+="$n:"$'\n'; done
        compopt -o nospace 2>/dev/null
    fi
    _nslab_reply "$words" "$cur"
}

_nslab() {
    local line=${COMP_LINE:0:COMP_POINT} cur prev cword
    local -a words
    # our own words: NODE:IFACE and KEY=VALUE stay whole
    read -r -a words <<< "$line"
    [[ -z $line || $line == *[[:space:]] ]] && words+=("")
    cword=$((${#words[@]} - 1))
    cur=${words[cword]}
    prev=${words[cword - 1]}
    COMPREPLY=()

    if ((cword == 1)); then
        _nslab_reply "$(_nslab_verbs "${words[0]}")" "$cur"
        return
    fi
    local verb=${words[1]} lab=${words[2]}
    # positional arguments before this one, options (and their values) left out
    local k npos=0
    for ((k = 2; k < cword; k++)); do
        case ${words[k]} in
            --name | --junit | --prefix | --with | -o | -w | -c | -s) ((k++)) ;;
            -*) ;;
            *) ((npos++)) ;;
        esac
    done

    case $verb in
        run | up)
            case $prev in
                --name) return ;;
            esac
            if [[ $cur == -* ]]; then
                _nslab_reply $'--name\n--verbose' "$cur"
            else
                _nslab_files "$cur" '*.lua'
            fi
            ;;
        repl)
            if [[ $cur == -* ]]; then
                _nslab_reply $'--keep\n--name\n--verbose' "$cur"
            elif ((npos == 0)) && [[ $prev != --name ]]; then
                _nslab_reply "$(_nslab_labs)" "$cur"
                _nslab_files "$cur" '*.lua'
            fi
            ;;
        test)
            case $prev in
                --junit) _nslab_files "$cur" ''; return ;;
                --prefix) return ;;
            esac
            if [[ $cur == -* ]]; then
                _nslab_reply $'--junit\n--keep-on-fail\n--prefix\n--verbose' "$cur"
            else
                _nslab_files "$cur" '*.lua'
            fi
            ;;
        graph)
            case $prev in
                -o) _nslab_files "$cur" ''; return ;;
                --name) return ;;
            esac
            if [[ $cur == -* ]]; then
                _nslab_reply $'-o\n--name' "$cur"
            elif ((npos == 0)); then
                _nslab_files "$cur" '*.lua'
                _nslab_reply "$(_nslab_labs)" "$cur"
            fi
            ;;
        clean)
            [[ $cur == -* ]] && _nslab_reply $'-n\n--dry-run' "$cur"
            ;;
        down)
            if [[ $cur == -* ]]; then
                _nslab_reply '--force' "$cur"
            else
                _nslab_reply "$(_nslab_labs)" "$cur"
            fi
            ;;
        nodes | monitor | check | inspect)
            if [[ $verb == check && $prev == --with ]]; then
                _nslab_files "$cur" '*.lua'
            elif [[ $cur == -* ]]; then
                [[ $verb == inspect ]] && _nslab_reply '--json' "$cur"
                [[ $verb == check ]] && _nslab_reply '--with' "$cur"
            elif ((npos == 0)); then
                _nslab_reply "$(_nslab_labs)" "$cur"
            fi
            ;;
        exec | shell | pids)
            if ((npos == 0)); then
                _nslab_reply "$(_nslab_labs)" "$cur"
            elif ((npos == 1)); then
                _nslab_reply "$(_nslab_nodes "$lab")"$'\nhost' "$cur"
            elif [[ $verb == exec ]]; then
                local IFS=$'\n'
                COMPREPLY=($(compgen -c -- "$cur"))
            fi
            ;;
        shape | unshape | link | capture)
            if [[ $verb == capture ]]; then
                case $prev in
                    -w) _nslab_files "$cur" ''; return ;;
                    -c | -s) return ;;
                esac
                if [[ $cur == -* ]]; then
                    _nslab_reply $'-w\n-c\n-s\n-p' "$cur"
                    return
                fi
            fi
            if ((npos == 0)); then
                _nslab_reply "$(_nslab_labs)" "$cur"
            elif ((npos == 1)); then
                _nslab_endpoint "$lab" "$cur"
            elif [[ $verb == shape && $cur != *=* ]]; then
                _nslab_reply $'rate=\nburst=\nlatency=\nlimit=\ndelay=\njitter=\nloss=\nduplicate=' "$cur"
                compopt -o nospace 2>/dev/null
            elif [[ $verb == link && $npos == 2 ]]; then
                _nslab_reply $'up\ndown' "$cur"
            fi
            ;;
    esac

    # bash splits words at ':' and '=' (COMP_WORDBREAKS): give back only
    # what follows the last one in the current word
    local c pre
    for c in : =; do
        if [[ $cur == *"$c"* && $COMP_WORDBREAKS == *"$c"* ]]; then
            pre=${cur%"${cur##*"$c"}"}
            COMPREPLY=("${COMPREPLY[@]#"$pre"}")
            cur=${cur#"$pre"}
        fi
    done
}

complete -F _nslab nslab
