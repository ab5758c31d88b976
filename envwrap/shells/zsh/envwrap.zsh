# envwrap for zsh.
#
# Load it from ~/.zshrc, before or after compinit, with either
#     eval "$(envwrap init zsh)"
# or, with no Python at start-up, write it once and source the file:
#     envwrap init zsh > ~/.envwrap.zsh        # in ~/.zshrc: . ~/.envwrap.zsh
# `envwrap init` prepends __envwrap_exe (the words that start the envwrap backend)
# and the backend's answer for WORKON_HOME (__envwrap_home, where it came from in
# __envwrap_home_src) to this file.
#
# Contract: every function here is thin. The backend decides; commands that must
# change this shell print code that is evaluated only when the backend exits 0.
# Private names start with __envwrap_; each function runs under `emulate -L zsh`,
# so the user's options (ksharrays, shwordsplit, nounset, ...) cannot change how
# it parses, and builtins are called as \builtin so aliases cannot either.

# BEGIN generated: runtime
# (made by `make shells` from envwrap/shells/bash/runtime.sh.in, for bash and zsh; edit it there)
typeset -g __envwrap_loads=$(( ${__envwrap_loads:-0} + 1 ))

# Run the backend with the user's settings, exported or not: a variable changed in
# this shell takes effect at the next command. Unset and empty mean the same.
__envwrap_call() {
    WORKON_HOME="${WORKON_HOME-}" \
    VIRTUALFISH_HOME="${VIRTUALFISH_HOME-}" \
    ENVWRAP_EXPORTED_HOME="${ENVWRAP_EXPORTED_HOME-}" \
    PROJECT_HOME="${PROJECT_HOME-}" \
    VIRTUALENVWRAPPER_HOOK_DIR="${VIRTUALENVWRAPPER_HOOK_DIR-}" \
    VIRTUALENVWRAPPER_VIRTUALENV="${VIRTUALENVWRAPPER_VIRTUALENV-}" \
    VIRTUALENVWRAPPER_VIRTUALENV_ARGS="${VIRTUALENVWRAPPER_VIRTUALENV_ARGS-}" \
    VIRTUALENVWRAPPER_PROJECT_FILENAME="${VIRTUALENVWRAPPER_PROJECT_FILENAME-}" \
    VIRTUALENVWRAPPER_WORKON_CD="${VIRTUALENVWRAPPER_WORKON_CD-}" \
    ENVWRAP_SHELL_PID="$$" \
    ENVWRAP_LOADS="${__envwrap_loads-}" \
    ENVWRAP_ZSH_COMPDEF="${${(M)options[interactive]:#on}:+${+functions[compdef]}}" \
    ENVWRAP_ZDOTDIR="${ZDOTDIR-}" \
    "${__envwrap_exe[@]:-envwrap}" "$@"
}

# Ask the backend for shell code and evaluate it, only on success.
__envwrap_run() {
    \builtin emulate -L zsh
    local __envwrap_code
    __envwrap_code="$(__envwrap_call sh zsh "$@")" || \return $?
    \builtin eval "$__envwrap_code"
}

# Source a hook file. Its status is its own business (a last line such as
# `[ -f .env ] && . .env` returns 1), as in virtualenvwrapper; only a hook that
# cannot be read is reported. The shell reports a syntax error in it by itself.
# (In `|| :`, a failing line in it cannot end a shell that runs under `set -e`;
# bash's `\.`, not `\builtin .`: bash 5.2 loses its function context when a file
# sourced by `builtin .` fails under -e, "pop_var_context: head of shell_variables".)
# A hook the backend refused at activation (__envwrap_hooks_refused: lines of
# FILE<TAB>MESSAGE; others can write it) is not sourced: its line is said instead.
__envwrap_source() {
    local __envwrap_m
    if [[ ${__envwrap_hooks_refused-} == *$'\n'"$1"$'\t'* ]]; then
        __envwrap_m=${__envwrap_hooks_refused#*$'\n'"$1"$'\t'}
        \builtin printf '%s\n' "${__envwrap_m%%$'\n'*}" >&2
    elif [[ -r $1 ]]; then
        \builtin . "$1" || :
    else
        \builtin printf 'envwrap: hook %s cannot be read; skipped\n' "$1" >&2
    fi
    \return 0
}

# The backend's answer for the WORKON_HOME used when the user sets none: $1 the
# directory, $2 where it comes from (config or default); at load, the
# preamble's. Exported when it is in use, so that programs started from this
# shell (editors) find the environments; never over one the user set.
# ENVWRAP_EXPORTED_HOME marks the value as envwrap's own.
__envwrap_set_home() {
    \builtin emulate -L zsh
    typeset -g __envwrap_home="$1" __envwrap_home_src="$2"
    if [[ -n $1 && -z ${VIRTUALFISH_HOME-} &&
        ( -z ${WORKON_HOME-} || $WORKON_HOME == "${ENVWRAP_EXPORTED_HOME-}" ) ]]; then
        \builtin export WORKON_HOME="$1" ENVWRAP_EXPORTED_HOME="$1"
    fi
}

# The environments' directory into __envwrap_h, as the backend resolves it (no
# process): the user's WORKON_HOME, else virtualfish's VIRTUALFISH_HOME (a
# relative one below $HOME); else the backend's answer (the config file's, or
# the default ~/.virtualenvs). ENVWRAP_EXPORTED_HOME marks envwrap's own export.
__envwrap_workon_home() {
    \builtin emulate -L zsh
    __envwrap_h=${WORKON_HOME-}
    [[ $__envwrap_h != "${ENVWRAP_EXPORTED_HOME-}" ]] || __envwrap_h=
    __envwrap_abs "${__envwrap_h:-${VIRTUALFISH_HOME-}}"
    [[ -n $__envwrap_h ]] || __envwrap_h=${__envwrap_home-}
}

# A directory setting ($1) into __envwrap_h as the backend reads it: ~ and a
# relative path are below $HOME.
__envwrap_abs() {
    case $1 in
        ('' | /*) __envwrap_h=$1 ;;
        (\~ | \~/*) __envwrap_h=${HOME-}${1#\~} ;;
        (*) __envwrap_h=${HOME-}/$1 ;;
    esac
}

# Whether the environments' directory may be listed; says why not on stderr.
# Only when it is not a directory, the backend is asked (one process, only
# then): it creates a missing one, as virtualenvwrapper's commands do, and says
# so; one that is a file is the error it reports.
__envwrap_home_ok() {
    \builtin emulate -L zsh
    local __envwrap_h
    __envwrap_workon_home
    [[ -z $__envwrap_h || -d $__envwrap_h ]] || __envwrap_call ls >/dev/null
}
__envwrap_set_home "${__envwrap_home-}" "${__envwrap_home_src-}"

# Environment names, one per line (lsvirtualenv -b, workon with no name).
__envwrap_list() {
    \builtin emulate -L zsh
    __envwrap_home_ok || \return
    __envwrap_scan
    (( ${#__envwrap_found[@]} == 0 )) || \builtin printf '%s\n' "${__envwrap_found[@]}"
}

# The env's own variables (envwrap vars), from the workon code: NAME VALUE
# pairs, exported. How to put each back as it was (exported, set but not
# exported, or unset) is kept as code in __envwrap_undo, newest first, which
# deactivate evaluates: no process.
__envwrap_vars_set() {
    \builtin emulate -L zsh
    local __envwrap_x
    while (( $# > 1 )); do
        if (( ${+parameters[$1]} )); then
            [[ ${parameters[$1]} == *export* ]] && __envwrap_x=x || __envwrap_x=
            __envwrap_undo="typeset -g$__envwrap_x $1=${(qq)${(P)1}}; ${__envwrap_undo-}"
        fi
        __envwrap_undo="\\builtin unset $1; ${__envwrap_undo-}"
        \builtin export "$1=$2" || \return 1
        \builtin shift 2
    done
}

# Deactivate the environment that envwrap activated, if one is active.
__envwrap_leave() {
    if [[ -n ${__envwrap_venv-} ]] && (( ${+functions[deactivate]} )); then
        deactivate
    fi
}

# Called by the plan right after the env's own activate script ran: keep that
# script's deactivate as __envwrap_venv_deactivate, install ours. $1 the env, $2
# the hook directory, $3 the project, $4 the env's bin directory (its hooks).
__envwrap_activated() {
    if (( ! ${+functions[deactivate]} )); then
        \builtin printf 'envwrap: %s defined no deactivate function\n' "$1" >&2
        \return 1
    fi
    functions[__envwrap_venv_deactivate]=${functions[deactivate]}
    typeset -g __envwrap_venv="$1" __envwrap_hook_dir="$2" __envwrap_project="$3" __envwrap_venv_bin="$4"
    typeset -g __envwrap_auto_act="$1"  # for auto-activation: an env was activated (then maybe deactivated)
    typeset -g __envwrap_hooks_refused=''  # the plan sets it next when a deactivate hook is refused
    deactivate() {
        case ${1-} in (-h | --help) __envwrap_run deactivate --help; \return ;; esac
        __envwrap_deactivate "$@"
    }
}

# deactivate, with virtualenvwrapper's hooks: predeactivate (the env's, then the
# global one, then the project's), the env's own deactivate, postdeactivate (the
# env's, then the global one) with VIRTUALENVWRAPPER_LAST_VIRTUAL_ENV (the name
# virtualenvwrapper's code sets) and VIRTUALENVWRAPPER_LAST_VIRTUALENV (the name
# its documentation gives) set to the env's path; both are unset afterwards.
# [[ ]] rather than [ ]: a keyword, not a command, which matters on this path.
__envwrap_deactivate() {
    local __envwrap_env="${__envwrap_venv-}" __envwrap_h __envwrap_d __envwrap_st=0
    # Where the hooks are: the env's bin directory and the global one (those
    # set), then for predeactivate only, the project's.
    __envwrap_abs "${VIRTUALENVWRAPPER_HOOK_DIR:-${__envwrap_hook_dir-}}"
    local __envwrap_dirs=("${__envwrap_venv_bin:-$__envwrap_env/bin}" ${__envwrap_h:+"$__envwrap_h"})
    for __envwrap_d in "${__envwrap_dirs[@]}" ${__envwrap_project:+"$__envwrap_project/.virtualenvwrapper"}; do
        [[ -f $__envwrap_d/predeactivate ]] && __envwrap_source "$__envwrap_d/predeactivate"
    done
    __envwrap_venv_deactivate "$@" || __envwrap_st=$?
    \builtin eval "${__envwrap_undo-}"  # the env's own variables back (__envwrap_vars_set)
    \builtin unset __envwrap_undo
    if [[ ${1-} == nondestructive ]]; then
        \return "$__envwrap_st"
    fi
    # The env's own deactivate has already removed itself: unfunction fails for
    # it, and under errexit or err_return that status must not end the shell.
    \builtin unfunction deactivate __envwrap_venv_deactivate 2>/dev/null || :
    \builtin unset __envwrap_venv __envwrap_hook_dir __envwrap_project __envwrap_venv_bin
    typeset -g VIRTUALENVWRAPPER_LAST_VIRTUAL_ENV="$__envwrap_env"
    typeset -g VIRTUALENVWRAPPER_LAST_VIRTUALENV="$__envwrap_env"
    for __envwrap_d in "${__envwrap_dirs[@]}"; do
        [[ -f $__envwrap_d/postdeactivate ]] && __envwrap_source "$__envwrap_d/postdeactivate"
    done
    \builtin unset VIRTUALENVWRAPPER_LAST_VIRTUAL_ENV VIRTUALENVWRAPPER_LAST_VIRTUALENV
    if [[ -f $__envwrap_env/.envwrap-tmpenv ]]; then  # mktmpenv's: removed (see rmvirtualenv)
        __envwrap_call rm --tmp "$__envwrap_env" || __envwrap_st=$?
        [[ -d $PWD || ! -d ${__envwrap_env%/*} ]] || \builtin cd -- "${__envwrap_env%/*}" || :
    fi
    \return "$__envwrap_st"
}

# virtualenvwrapper's `initialize` hook, sourced once at load (a file test, no
# process): VIRTUALENVWRAPPER_HOOK_DIR, else WORKON_HOME.
__envwrap_initialize() {
    local __envwrap_h
    __envwrap_workon_home
    __envwrap_abs "${VIRTUALENVWRAPPER_HOOK_DIR:-$__envwrap_h}"
    [[ -z $__envwrap_h || ! -f $__envwrap_h/initialize ]] || __envwrap_source "$__envwrap_h/initialize"
}

# ----------------------------------------------------------------- commands

workon() {
    if (( $# == 0 )); then
        __envwrap_list
        \return
    fi
    __envwrap_run workon "$@"
}

# `envwrap config KEY VALUE` (or --unset KEY) may move WORKON_HOME or switch
# auto-activation: it is the backend's plan, which brings this shell up to date
# at once. `envwrap allow` (or --revoke): auto-activation looks again. Every
# other verb's output streams as it comes.
envwrap() {
    [[ ${1-} != config || $# -lt 3 ]] || { __envwrap_run "$@" && __envwrap_auto_setup; \return; }
    __envwrap_call "$@" || \return
    [[ ${1-} != allow ]] || typeset -g __envwrap_auto_bad='' __envwrap_auto_told='' __envwrap_auto_pwd=''
}

# rmvirtualenv NAME...: a shell left in a directory the removal took (it was in
# the env) goes to WORKON_HOME, as virtualenvwrapper's does; a failed removal
# leaves it where it was. The test is on $PWD itself, after the backend's call
# (which steps out of the directory first, for Windows): no process, and no
# guess from names made before the removal.
rmvirtualenv() {
    local __envwrap_h __envwrap_st=0
    __envwrap_call rmvirtualenv "$@" || __envwrap_st=$?
    __envwrap_workon_home
    [[ -d $PWD || ! -d $__envwrap_h ]] || \builtin cd -- "$__envwrap_h" || :
    \return "$__envwrap_st"
}

lsvirtualenv() {
    case "${1-}" in
        (-b) __envwrap_list ;;
        (*) __envwrap_call lsvirtualenv "$@" ;;
    esac
}

# cdvirtualenv [SUBDIR]: the cd in the shell, no process; anything else (no env
# active, no such directory, WORKON_HOME missing, --help) is the backend's plan,
# which says it in envwrap's one line.
cdvirtualenv() {
    local __envwrap_h
    __envwrap_workon_home
    if [[ -n ${VIRTUAL_ENV-} && -d $VIRTUAL_ENV/${1-} && ${1-} != -* && ( -z $__envwrap_h || -d $__envwrap_h ) ]]; then
        \builtin cd -- "$VIRTUAL_ENV${1:+/$1}" || \return
    else
        __envwrap_run cdvirtualenv "$@"
    fi
}
# END generated: runtime


# BEGIN generated: commands
# (made by `make shells` from envwrap/cli/table.py; edit the table, not this)
# EVAL commands evaluate the code the backend prints; the others call the
# backend verb named after the command (so that --help and messages name it):
# envwrap's `showvirtualenv` is `envwrap show`, and so on.
mkvirtualenv() { __envwrap_run mkvirtualenv "$@"; }
mktmpenv() { __envwrap_run mktmpenv "$@"; }
cpvirtualenv() { __envwrap_run cpvirtualenv "$@"; }
mkproject() { __envwrap_run mkproject "$@"; }
cdsitepackages() { __envwrap_run cdsitepackages "$@"; }
cdproject() { __envwrap_run cdproject "$@"; }
showvirtualenv() { __envwrap_call showvirtualenv "$@"; }
lssitepackages() { __envwrap_call lssitepackages "$@"; }
add2virtualenv() { __envwrap_call add2virtualenv "$@"; }
toggleglobalsitepackages() { __envwrap_call toggleglobalsitepackages "$@"; }
wipeenv() { __envwrap_call wipeenv "$@"; }
setvirtualenvproject() { __envwrap_call setvirtualenvproject "$@"; }
mvvirtualenv() { __envwrap_call mvvirtualenv "$@"; }
allvirtualenv() { __envwrap_call allvirtualenv "$@"; }
# END generated: commands

# ----------------------------------------------------------------- completion
# No Python per TAB: names come from the same glob as lsvirtualenv -b.

# BEGIN generated: complete
# (made by `make shells` from envwrap/shells/bash/complete.sh.in, for bash and zsh; edit it there)
# Environment names into the array __envwrap_found: one glob, no Python, no
# fork. The work is done by whole-array expansions, not a loop per name: this
# runs on every TAB. bash: $1 (optional) is a literal prefix the names must
# start with; the user's glob options must not change what is found, and no
# match leaves the pattern itself (unless nullglob is on). zsh sorts as whole
# paths (NAME/pyvenv.cfg), as bash and the backend do: with :h:t in the glob,
# it would sort the bare names.
__envwrap_scan() {
    \builtin emulate -L zsh
    local __envwrap_h
    typeset -ga __envwrap_found
    __envwrap_workon_home
    __envwrap_found=()
    [[ -n $__envwrap_h ]] || \return 0
    __envwrap_found=( "$__envwrap_h"/*/pyvenv.cfg(N-.) )
    __envwrap_found=( ${${__envwrap_found:h:t}:#.*} )
}

# mkvirtualenv, mktmpenv, mkproject after -p or --python (the dispatcher looks
# at the word before): the Python versions the backend last found
# (WORKON_HOME/.envwrap/pythons, one a line; read here, no process). Elsewhere,
# and in zsh when none matches, the shell's own completion (bash: readline's,
# for commands registered with -o default).
__envwrap_complete_python() {
    \builtin emulate -L zsh
    local __envwrap_h __envwrap_v=()
    __envwrap_workon_home
    [[ -z $__envwrap_h || ! -f $__envwrap_h/.envwrap/pythons ]] ||
        __envwrap_v=( ${(f)"$(<$__envwrap_h/.envwrap/pythons)"} )  # (no process: zsh reads it)
    compadd -a __envwrap_v
}
# END generated: complete

__envwrap_complete_names() {
    \builtin emulate -L zsh
    __envwrap_scan
    compadd -a __envwrap_found
}


# Directories inside $1 (the dispatcher passes the active env, or its
# site-packages).
__envwrap_complete_subdirs() {
    \builtin emulate -L zsh
    [[ -d ${1-} ]] && _path_files -/ -W "$1"
}


# BEGIN generated: options
# (made by `make shells` from the backend's own parsers, see tools/gen_shells.py; edit those)
# Every command's options, read from the parser the command builds in the
# backend, into the array __envwrap_o for __envwrap_complete.
__envwrap_options() {
    case $1 in
        (workon) __envwrap_o=(-h --help -c --cd -n --no-cd) ;;
        (mkvirtualenv) __envwrap_o=(-h --help -a -i -r -p --python --creator --without-pip --no-pip --system-site-packages --prompt --copies --symlinks --clear --upgrade-deps --without-scm-ignore-files --from) ;;
        (mktmpenv) __envwrap_o=(-h --help -a -i -r -p --python --creator --without-pip --no-pip --system-site-packages --prompt --copies --symlinks --clear --upgrade-deps --without-scm-ignore-files -c --cd -n --no-cd) ;;
        (cpvirtualenv) __envwrap_o=(-h --help) ;;
        (mkproject) __envwrap_o=(-h --help -i -r -p --python --creator --without-pip --no-pip --system-site-packages --prompt --copies --symlinks --clear --upgrade-deps --without-scm-ignore-files -f --force) ;;
        (cdsitepackages) __envwrap_o=(-h --help) ;;
        (cdproject) __envwrap_o=(-h --help) ;;
        (showvirtualenv) __envwrap_o=(-h --help --json) ;;
        (lssitepackages) __envwrap_o=(-h --help --path) ;;
        (add2virtualenv) __envwrap_o=(-h --help -d) ;;
        (toggleglobalsitepackages) __envwrap_o=(-h --help -q) ;;
        (wipeenv) __envwrap_o=(-h --help) ;;
        (setvirtualenvproject) __envwrap_o=(-h --help -f --force) ;;
        (mvvirtualenv) __envwrap_o=(-h --help) ;;
        (allvirtualenv) __envwrap_o=(-h --help) ;;
        (rmvirtualenv) __envwrap_o=(-h --help) ;;
        (lsvirtualenv) __envwrap_o=(-h --help -b --brief -l --long --json) ;;
        (cdvirtualenv) __envwrap_o=(-h --help) ;;
        ('envwrap init') __envwrap_o=(-h --help --auto --write) ;;
        ('envwrap demo') __envwrap_o=(-h --help) ;;
        ('envwrap ls') __envwrap_o=(-h --help -b --brief -l --long --json) ;;
        ('envwrap path') __envwrap_o=(-h --help) ;;
        ('envwrap show') __envwrap_o=(-h --help --json) ;;
        ('envwrap run') __envwrap_o=(-h --help) ;;
        ('envwrap shell') __envwrap_o=(-h --help --shell) ;;
        ('envwrap which') __envwrap_o=(-h --help) ;;
        ('envwrap vars') __envwrap_o=(-h --help) ;;
        ('envwrap gc') __envwrap_o=(-h --help --unused --broken --missing-project --yes) ;;
        ('envwrap new') __envwrap_o=(-h --help -a -i -r -p --python --creator --without-pip --no-pip --system-site-packages --prompt --copies --symlinks --clear --upgrade-deps --without-scm-ignore-files) ;;
        ('envwrap rm') __envwrap_o=(-h --help) ;;
        ('envwrap cp') __envwrap_o=(-h --help) ;;
        ('envwrap mv') __envwrap_o=(-h --help) ;;
        ('envwrap adopt') __envwrap_o=(-h --help --scan --json -n --dry-run --copy) ;;
        ('envwrap export') __envwrap_o=(-h --help -o --output --format) ;;
        ('envwrap import') __envwrap_o=(-h --help -p --python) ;;
        ('envwrap project') __envwrap_o=(-h --help -f --force) ;;
        ('envwrap kernel') __envwrap_o=(-h --help) ;;
        ('envwrap sitepackages') __envwrap_o=(-h --help --path) ;;
        ('envwrap add-path') __envwrap_o=(-h --help -d) ;;
        ('envwrap toggle-global') __envwrap_o=(-h --help -q) ;;
        ('envwrap wipe') __envwrap_o=(-h --help) ;;
        ('envwrap repair') __envwrap_o=(-h --help -p --python) ;;
        ('envwrap upgrade') __envwrap_o=(-h --help -p --python --dry-run --all-broken) ;;
        ('envwrap pythons') __envwrap_o=(-h --help) ;;
        ('envwrap doctor') __envwrap_o=(-h --help --fix --json) ;;
        ('envwrap config') __envwrap_o=(-h --help --unset) ;;
        ('envwrap allow') __envwrap_o=(-h --help --revoke --list) ;;
        ('envwrap seed') __envwrap_o=(-h --help --update -p --python) ;;
        (*) __envwrap_o=() ;;
    esac
}
# END generated: options

# BEGIN generated: completion
# (made by `make shells` from envwrap/cli/table.py; edit the table, not this)
# envwrap VERB: the public verbs (envwrap --help).
typeset -ga __envwrap_verbs
__envwrap_verbs=(init demo ls path show run shell which vars gc new rm cp mv adopt export import project kernel sitepackages add-path toggle-global wipe repair upgrade pythons doctor config allow seed)

# TAB: a word that starts with '-' gets the command's options (those of VERB
# after envwrap VERB; allvirtualenv's before its command only); any other word
# what the command's completion kind offers (one arm per kind).
__envwrap_complete() {
    \builtin emulate -L zsh
    local -a __envwrap_o
    if [[ $PREFIX == -* ]]; then
        case ${words[1]-} in
            (envwrap) (( CURRENT < 3 )) || __envwrap_options "envwrap ${words[2]-}" ;;
            (allvirtualenv) (( CURRENT != 2 )) || __envwrap_options allvirtualenv ;;
            (*) __envwrap_options "${words[1]-}" ;;
        esac
        compadd -a __envwrap_o
        \return
    fi
    case ${words[1]-} in
        (workon|cpvirtualenv|showvirtualenv|lssitepackages|toggleglobalsitepackages|wipeenv|rmvirtualenv) __envwrap_complete_names ;;
        (mkvirtualenv|mktmpenv|mkproject) [[ ${words[CURRENT-1]-} == (-p|--python) ]] && __envwrap_complete_python || _default ;;
        (cdsitepackages) __envwrap_complete_subdirs "${VIRTUAL_ENV-}"/lib/python*/site-packages(N/) ;;
        (setvirtualenvproject) if (( CURRENT == 2 )); then __envwrap_complete_names; else _files; fi ;;
        (mvvirtualenv) (( CURRENT == 2 )) && __envwrap_complete_names ;;
        (cdvirtualenv) __envwrap_complete_subdirs "${VIRTUAL_ENV-}" ;;
        (envwrap) case $CURRENT:${words[2]-} in (2:*) compadd -a __envwrap_verbs ;; (3:path|3:show|3:run|3:shell|3:which|3:vars|3:cp|3:mv|3:export|3:project|3:sitepackages|3:wipe|3:repair|*:rm|*:upgrade) __envwrap_complete_names ;; (*) \return 1 ;; esac ;;
        (*) _default ;;
    esac
}

__envwrap_compdef() {
    compdef __envwrap_complete workon mkvirtualenv mktmpenv cpvirtualenv mkproject cdsitepackages cdproject showvirtualenv lssitepackages add2virtualenv toggleglobalsitepackages wipeenv setvirtualenvproject mvvirtualenv allvirtualenv rmvirtualenv lsvirtualenv cdvirtualenv envwrap
}
# END generated: completion

# compinit may run before or after this file. If it already ran, register now;
# if not, at the first prompt (by then the rc files have finished), once: there
# the function is called with no argument, and takes itself out.
__envwrap_setup() {
    \builtin emulate -L zsh
    typeset -ga precmd_functions
    precmd_functions=( ${precmd_functions:#__envwrap_setup} )
    if (( ${+functions[compdef]} )); then
        __envwrap_compdef
    elif [[ ${1-} == load ]]; then
        precmd_functions+=( __envwrap_setup )
    fi
}
__envwrap_setup load
__envwrap_initialize

# ------------------------------------------------------- auto-activation on cd
# Opt-in: __envwrap_auto=1 comes from the preamble (`envwrap init zsh --auto`, or
# `envwrap config auto_activate true`, which also switches this shell at once).
# On each cd (chpwd_functions) and at each prompt (precmd_functions: a shell
# started inside a project), and only when $PWD or the active env changed since
# the last look, the directory and its parents are searched for a marker (file
# tests and `read`: no process). One backend process runs only to activate.

# BEGIN generated: auto
# (made by `make shells` from envwrap/shells/bash/auto.sh.in, for bash and zsh; edit it there)
# State (all in this shell, none on disk):
#   __envwrap_auto_want  what the marker named when auto-activation activated the
#                        env now active (empty: no env, or one the user chose)
#   __envwrap_auto_off   a tree where the user deactivated by hand (until left)
#   __envwrap_auto_bad   a tree whose env failed to activate (until left)
#   __envwrap_auto_told  the trees already told that they need `envwrap allow`
#   __envwrap_auto_pwd, __envwrap_auto_seen  $PWD and $VIRTUAL_ENV at the last look
#   __envwrap_auto_act   an env activated since the last look (set by __envwrap_activated)

# The nearest marker above $PWD (envwrap/env/discovery.py reads the same, in
# the same order): its directory into __envwrap_auto_r, the env it names into
# __envwrap_auto_t (both empty when there is none). A .python-envs the shell
# cannot read cheaply (a directory, unreadable, 64 KiB or more) names itself:
# the backend call that activates reads it again and says what is wrong.
__envwrap_auto_find() {
    \builtin emulate -L zsh
    local __envwrap_d=$PWD __envwrap_l __envwrap_k __envwrap_h
    __envwrap_auto_r='' __envwrap_auto_t='' __envwrap_h=''
    while :; do
        __envwrap_l='' __envwrap_k=venv
        # A .venv env (also PEP 832's implicit last line of a .python-envs beside
        # it), else a .python-envs' last non-blank line, else a .venv file's first
        # line: a path (absolute, or relative to the file) or virtualfish's bare name.
        if [[ -f $__envwrap_d/.venv/pyvenv.cfg ]]; then
            __envwrap_auto_t=$__envwrap_d/.venv
        elif [[ -e $__envwrap_d/.python-envs || -L $__envwrap_d/.python-envs ]]; then
            __envwrap_auto_t=$__envwrap_d/.python-envs __envwrap_k=list
            if [[ -f $__envwrap_auto_t && -r $__envwrap_auto_t ]]; then
                \builtin read -r -u 0 -k 65536 __envwrap_l <"$__envwrap_auto_t" && __envwrap_l=''
                __envwrap_l=${__envwrap_l%"${__envwrap_l##*[![:space:]]}"} __envwrap_l=${__envwrap_l##*$'\n'}
            fi
        elif [[ -f $__envwrap_d/.venv && -r $__envwrap_d/.venv ]]; then
            IFS= \builtin read -r __envwrap_l <"$__envwrap_d/.venv" || :
        fi
        if [[ -n $__envwrap_l ]]; then  # without surrounding blanks and a CR (PEP 832 asks readers to trim)
            __envwrap_l=${__envwrap_l%"${__envwrap_l##*[![:space:]]}"} __envwrap_l=${__envwrap_l#"${__envwrap_l%%[![:space:]]*}"}
            case $__envwrap_k:$__envwrap_l in
                (*:) ;;
                (*:/*) __envwrap_auto_t=$__envwrap_l ;;
                (list:* | *:*/* | *:. | *:..) __envwrap_auto_t=$__envwrap_d/$__envwrap_l ;;
                (*) __envwrap_workon_home; [[ -z $__envwrap_h ]] || __envwrap_auto_t=$__envwrap_h/$__envwrap_l ;;
            esac
        fi
        # pyenv-virtualenv's way: a .python-version whose first line names an env
        # in WORKON_HOME (a version such as 3.12.1 names none: ignored).
        if [[ -z $__envwrap_auto_t && -f $__envwrap_d/.python-version && -r $__envwrap_d/.python-version ]]; then
            IFS= \builtin read -r __envwrap_l <"$__envwrap_d/.python-version" || :
            __envwrap_workon_home
            __envwrap_l=${__envwrap_l%"${__envwrap_l##*[![:space:]]}"} __envwrap_l=${__envwrap_l#"${__envwrap_l%%[![:space:]]*}"}
            [[ -n $__envwrap_l && -n $__envwrap_h && $__envwrap_l != .* && $__envwrap_l != */* &&
                -f $__envwrap_h/$__envwrap_l/pyvenv.cfg ]] && __envwrap_auto_t=$__envwrap_h/$__envwrap_l
        fi
        [[ -z $__envwrap_auto_t && -n $__envwrap_d && $__envwrap_d != / ]] || break
        __envwrap_d=${__envwrap_d%/*}
    done
    [[ -z $__envwrap_auto_t ]] || __envwrap_auto_r=$__envwrap_d
}

# Whether $2 (by default $PWD) is the directory $1 or below it.
__envwrap_auto_in() {
    \builtin emulate -L zsh
    [[ -n $1 && ( ${2-$PWD} == "$1" || ${2-$PWD} == "$1"/* || $1 == / ) ]]
}

typeset -g __envwrap_auto_busy='' __envwrap_auto_seen='' __envwrap_auto_act=''
# At a prompt (zsh: also on cd), when the directory changed, or an env was
# activated or deactivated since the last look: __envwrap_auto_check. (Kept
# apart from it because bash copies a function's body at every call: a small
# hook costs a prompt half as much.)
__envwrap_auto_hook() {
    local __envwrap_s=$?
    \builtin emulate -L zsh
    [[ ${__envwrap_auto-} == 1 && -z $__envwrap_auto_busy ]] || \return "$__envwrap_s"
    [[ $PWD != "${__envwrap_auto_pwd-}" || ${VIRTUAL_ENV-} != "${__envwrap_auto_seen-}" ||
        -n ${__envwrap_auto_act-} ]] && __envwrap_auto_check
    \return "$__envwrap_s"
}

# Activate the env of the current directory, or leave the one auto-activation
# activated.
__envwrap_auto_check() {
    \builtin emulate -L zsh
    local __envwrap_auto_r __envwrap_auto_t __envwrap_q='' __envwrap_st=0 __envwrap_w=${__envwrap_auto_pwd-}
    local __envwrap_d=${__envwrap_auto_act:-${__envwrap_auto_seen-}}
    typeset -g __envwrap_auto_pwd=$PWD
    __envwrap_auto_busy=1  # a cd in a hook that activation runs does not come back here
    # An env replaced or deactivated since the last look is the user's business.
    [[ ${VIRTUAL_ENV-} == "${__envwrap_auto_seen-}" ]] || __envwrap_auto_want=''
    __envwrap_auto_in "${__envwrap_auto_off-}" || __envwrap_auto_off=''
    __envwrap_auto_in "${__envwrap_auto_bad-}" || __envwrap_auto_bad=''
    __envwrap_auto_find
    # A deactivate typed since the last look (of the env active then, or of one
    # activated since: `workon proj; deactivate` on one line), with nothing
    # active now in a tree: respected until the tree is left, when it was typed
    # inside the tree or deactivated the tree's own env.
    if [[ -n $__envwrap_auto_r && -z ${VIRTUAL_ENV-} && -n $__envwrap_d ]] && {
        [[ $__envwrap_d == "$__envwrap_auto_t" ]] || __envwrap_auto_in "$__envwrap_auto_r" "$__envwrap_w"; }; then
        typeset -g __envwrap_auto_off=$__envwrap_auto_r
    fi
    # Another env named, in a tree not refused, and no env the user chose:
    # activate (status 3: the user neither made nor allowed this env, said once
    # per tree in this shell; -q asks the backend to stay quiet), else no retry
    # until the tree is left.
    if [[ -n $__envwrap_auto_t && $__envwrap_auto_t != "${__envwrap_auto_want-}" &&
        $__envwrap_auto_r != "${__envwrap_auto_off-}" && $__envwrap_auto_r != "${__envwrap_auto_bad-}" &&
        ( -n ${__envwrap_auto_want-} || -z ${VIRTUAL_ENV-} ) ]]; then
        [[ $'\n'${__envwrap_auto_told-}$'\n' == *$'\n'"$__envwrap_auto_r"$'\n'* ]] && __envwrap_q=-q
        __envwrap_run auto ${__envwrap_q:+"$__envwrap_q"} "$__envwrap_auto_r" "$__envwrap_auto_t" || __envwrap_st=$?
        if [[ $__envwrap_st == 0 && -n ${VIRTUAL_ENV-} ]]; then
            typeset -g __envwrap_auto_want=$__envwrap_auto_t
        else
            [[ $__envwrap_st != 3 || -n $__envwrap_q ]] ||
                typeset -g __envwrap_auto_told=${__envwrap_auto_told-}${__envwrap_auto_told:+$'\n'}$__envwrap_auto_r
            typeset -g __envwrap_auto_bad=$__envwrap_auto_r
        fi
    fi
    # What auto-activation activated belongs to a tree that was left (or refused).
    if [[ -n ${__envwrap_auto_want-} && $__envwrap_auto_t != "$__envwrap_auto_want" ]]; then
        __envwrap_auto_want=''
        __envwrap_leave
    fi
    __envwrap_auto_busy=''
    typeset -g __envwrap_auto_seen=${VIRTUAL_ENV-} __envwrap_auto_act=''
}

# Register the hook once (bash: a line of PROMPT_COMMAND's string, or of its
# first element with bash 5.1's array; zsh: chpwd and precmd), after the
# user's own; with auto-activation off, take it out again and forget what
# auto-activation knew (an env it activated stays, as yours).
# shellcheck disable=SC2128,SC2178  # PROMPT_COMMAND: its string or first element
__envwrap_auto_setup() {
    \builtin emulate -L zsh
    typeset -ga chpwd_functions precmd_functions
    chpwd_functions=("${(@)chpwd_functions:#__envwrap_auto_hook}") precmd_functions=("${(@)precmd_functions:#__envwrap_auto_hook}")
    typeset -g __envwrap_auto_pwd=''  # look again at the next prompt
    if [[ ${__envwrap_auto-} != 1 ]]; then
        typeset -g __envwrap_auto_want='' __envwrap_auto_off='' __envwrap_auto_bad=''
        \return 0
    fi
    chpwd_functions+=(__envwrap_auto_hook) precmd_functions+=(__envwrap_auto_hook)
}
__envwrap_auto_setup
# END generated: auto
