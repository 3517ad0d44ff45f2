# bash completion for nslab(1)                             -*- shell-script -*-
#
# Made by scripts/cli-docs from lua/nslab/cli/verbs.lua and the template
# scripts/completion/nslab.bash.in; edit those, not this file.
# Installed as share/bash-completion/completions/nslab (bash-completion
# loads it on first use); without that package: source this file.
# Completes verbs, lab files, names of labs that are up (/run/nslab, a
# rootless user's runtime directory, or $NSLAB_STATE_DIR), their nodes (the
# pins LAB.NODE), NODE:IFACE
# (interfaces read with `ip -n`, as root), and each verb's flags.
# Needs nothing from the bash-completion package.

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

# Complete the current word $2 as kind $1 (lab $3 for nodes and NODE:IFACE).
_nslab_kind() {
    local kind=$1 cur=$2 lab=$3
    case $kind in
        lua) _nslab_files "$cur" '*.lua' ;;
        file) _nslab_files "$cur" '' ;;
        lab) _nslab_reply "$(_nslab_labs)" "$cur" ;;
        labfile) _nslab_reply "$(_nslab_labs)" "$cur"; _nslab_files "$cur" '*.lua' ;;
        node) _nslab_reply "$(_nslab_nodes "$lab")"$'\nhost' "$cur" ;;
        endpoint) _nslab_endpoint "$lab" "$cur" ;;
        command) local IFS=$'\n'; COMPREPLY=($(compgen -c -- "$cur" | sort -u)) ;;
        verb) _nslab_reply "$(tr ' ' '\n' <<< "$_nslab_verbs")" "$cur" ;;
        shapekey)
            if [[ $cur != *=* ]]; then
                _nslab_reply $'rate=\nburst=\nlatency=\nlimit=\ndelay=\njitter=\nloss=\nduplicate=' "$cur"
                compopt -o nospace 2>/dev/null
            fi ;;
        choice:*) _nslab_reply "$(tr , '\n' <<< "${kind#choice:}")" "$cur" ;;
    esac
}

_nslab_verbs='run up down ls clean repl nodes exec shell pids identify monitor inspect test check graph shape unshape link capture web agent version help'

# Each verb's flags (long names for `--`; for `-` the short name where
# there is one), flags taking a value (FLAG:KIND), positionals by kind
# (KIND* repeats) and what follows them (exec's command).
_nslab_spec() {
    case $1 in
        run) long='--help --name --machines --verbose' short='-h --name --machines -v' valued=' --name:none --machines:none' pos='lua' ;;
        up) long='--help --name --machines --verbose' short='-h --name --machines -v' valued=' --name:none --machines:none' pos='lua' ;;
        down) long='--help --force --all-users' short='-h --force --all-users' valued=' ' pos='labfile*' ;;
        ls) long='--help --json --all-users' short='-h --json --all-users' valued=' ' pos='' ;;
        clean) long='--help --dry-run --all-users' short='-h -n --all-users' valued=' ' pos='' ;;
        repl) long='--help --name --keep --verbose --all-users' short='-h --name --keep -v --all-users' valued=' --name:none' pos='labfile' ;;
        nodes) long='--help --json --all-users' short='-h --json --all-users' valued=' ' pos='lab' ;;
        exec) long='--help --all-users' short='-h --all-users' valued=' ' pos='lab node' rest=command ;;
        shell) long='--help --all-users' short='-h --all-users' valued=' ' pos='lab node' ;;
        pids) long='--help --all-users' short='-h --all-users' valued=' ' pos='lab node' ;;
        identify) long='--help' short='-h' valued=' ' pos='none' ;;
        monitor) long='--help --all-users' short='-h --all-users' valued=' ' pos='lab' ;;
        inspect) long='--help --json --compare --here --all-users' short='-h --json --compare --here --all-users' valued=' --compare:file' pos='lab' ;;
        test) long='--help --junit --json --jobs --timeout --exec-timeout --only --keep-on-fail --prefix --machines --verbose' short='-h --junit --json -j --timeout --exec-timeout --only --keep-on-fail --prefix --machines -v' valued=' --junit:file --json:file -j:none --jobs:none --timeout:none --exec-timeout:none --only:none --prefix:none --machines:none' pos='lua*' ;;
        check) long='--help --name --with --verbose --all-users' short='-h --name --with -v --all-users' valued=' --name:none --with:lua' pos='labfile' ;;
        graph) long='--help --output --name --machines --here --verbose --all-users' short='-h -o --name --machines --here -v --all-users' valued=' -o:file --output:file --name:none --machines:none' pos='labfile' ;;
        shape) long='--help --all-users' short='-h --all-users' valued=' ' pos='lab endpoint shapekey*' ;;
        unshape) long='--help --all-users' short='-h --all-users' valued=' ' pos='lab endpoint' ;;
        link) long='--help --all-users' short='-h --all-users' valued=' ' pos='lab endpoint choice:up,down' ;;
        capture) long='--help --write --count --snaplen --no-promiscuous-mode --all-users' short='-h -w -c -s -p --all-users' valued=' -w:file --write:file -c:none --count:none -s:none --snaplen:none' pos='lab endpoint none*' ;;
        web) long='--help --port --bind --all-users' short='-h --port --bind --all-users' valued=' --port:none --bind:none' pos='lab' ;;
        agent) long='--help' short='-h' valued=' ' pos='none' ;;
        version) long='--help' short='-h' valued=' ' pos='' ;;
        help) long='--help' short='-h' valued=' ' pos='verb' ;;
    esac
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
        _nslab_reply "$(tr ' ' '\n' <<< "$_nslab_verbs")" "$cur"
        return
    fi
    local long="" short="" valued="" pos="" rest=""
    _nslab_spec "${words[1]}"
    # positionals before this word (flags and their values left out); the
    # first is the lab, for nodes and NODE:IFACE
    local k w npos=0 lab="" dashdash=0
    for ((k = 2; k < cword; k++)); do
        w=${words[k]}
        if ((dashdash)); then
            ((npos++))
        elif [[ $w == -- ]]; then
            dashdash=1
        elif [[ " $valued " == *" $w:"* ]]; then
            ((k++))
        elif [[ $w != -* ]]; then
            ((npos++))
            [[ -z $lab ]] && lab=$w
        fi
    done
    local -a kinds=($pos)
    if [[ -n $rest ]] && ((npos >= ${#kinds[@]})); then
        _nslab_kind "$rest" "$cur" "$lab"
    elif [[ " $valued " == *" $prev:"* ]]; then
        w=${valued#*" $prev:"}
        _nslab_kind "${w%% *}" "$cur" "$lab"
        return
    elif [[ $cur == --* ]] && ((!dashdash)); then
        _nslab_reply "$(tr ' ' '\n' <<< "$long")" "$cur"
        return
    elif [[ $cur == -* ]] && ((!dashdash)); then
        _nslab_reply "$(tr ' ' '\n' <<< "$short")" "$cur"
        return
    elif ((npos < ${#kinds[@]})); then
        _nslab_kind "${kinds[npos]%\*}" "$cur" "$lab"
    elif ((${#kinds[@]} > 0)) && [[ ${kinds[-1]} == *\* ]]; then
        _nslab_kind "${kinds[-1]%\*}" "$cur" "$lab"
    fi

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
