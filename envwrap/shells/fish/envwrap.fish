# envwrap for fish (3.1 or later).
#
# Load it from ~/.config/fish/config.fish with either
#     envwrap init fish | source
# or, with no Python at start-up, write it once and source the file:
#     envwrap init fish > ~/.config/fish/envwrap.fish   # in config.fish: source ~/.config/fish/envwrap.fish
# `envwrap init` prepends __envwrap_exe (the words that start the envwrap backend)
# and the backend's answer for WORKON_HOME (__envwrap_home, where it came from in
# __envwrap_home_src) to this file.
#
# Contract: every function here is thin. The backend decides; commands that must
# change this shell print fish code that is evaluated only when the backend exits
# 0. Private names start with __envwrap_.
#
# Sourced hooks (postactivate.fish, predeactivate.fish, postdeactivate.fish,
# postmkvirtualenv.fish, ...) run inside a function, as everything fish sources
# from a function does: state they keep must be set with `set -g` (or -gx).

set -q __envwrap_loads[1]; or set -g __envwrap_loads 0
set -g __envwrap_loads (math $__envwrap_loads + 1)

# Run the backend with the user's settings, exported or not (fish globals and
# universals count): a variable changed in this shell takes effect at the next
# command. Unset and empty mean the same. ENVWRAP_SORT=fish: list environments
# in the order of fish's globs, as `lsvirtualenv -b` does.
# BEGIN generated: call
# (made by `make shells` from envwrap/shells/fish/generate.py and the settings the backend reads; edit those)
function __envwrap_call --description 'Run the envwrap backend with the settings of this shell'
    set -l exe $__envwrap_exe
    if test -z "$exe[1]"
        set exe (command -s envwrap)
        or begin
            echo 'envwrap: cannot find the envwrap command; install envwrap or reload it with `envwrap init fish | source`' >&2
            return 127
        end
    end
    WORKON_HOME="$WORKON_HOME" \
        VIRTUALFISH_HOME="$VIRTUALFISH_HOME" \
        ENVWRAP_EXPORTED_HOME="$ENVWRAP_EXPORTED_HOME" \
        PROJECT_HOME="$PROJECT_HOME" \
        VIRTUALENVWRAPPER_HOOK_DIR="$VIRTUALENVWRAPPER_HOOK_DIR" \
        VIRTUALENVWRAPPER_VIRTUALENV="$VIRTUALENVWRAPPER_VIRTUALENV" \
        VIRTUALENVWRAPPER_VIRTUALENV_ARGS="$VIRTUALENVWRAPPER_VIRTUALENV_ARGS" \
        VIRTUALENVWRAPPER_PROJECT_FILENAME="$VIRTUALENVWRAPPER_PROJECT_FILENAME" \
        VIRTUALENVWRAPPER_WORKON_CD="$VIRTUALENVWRAPPER_WORKON_CD" \
        ENVWRAP_SHELL_PID="$fish_pid" \
        ENVWRAP_LOADS="$__envwrap_loads" \
        ENVWRAP_SORT=fish \
        $exe $argv
end
# END generated: call

# Ask the backend for fish code and evaluate it, only on success. The code is
# taken with `read -z` at the end of a pipe, not with a command substitution:
# fish sends the stderr of a command substitution to its own stderr, whatever
# the function's caller redirected (fish-shell issue #1035), so
# `mkvirtualenv -x 2>/dev/null` would still print the backend's messages. The
# exit status is the backend's, from $pipestatus (read's own would be 1 for a
# plan with no output).
function __envwrap_run --description 'Evaluate the code the envwrap backend prints, if it succeeded'
    set -l __envwrap_code
    __envwrap_call sh fish $argv | read -lz __envwrap_code
    set -l __envwrap_st $pipestatus[1]
    test "$__envwrap_st" -eq 0; or return $__envwrap_st
    eval $__envwrap_code
    set __envwrap_st $status
    # virtualfish's did_activate events, once the whole activation (hooks, cd) ran.
    if set -q __envwrap_vf_activated
        set -e __envwrap_vf_activated
        __envwrap_vfevent did_activate
    end
    return $__envwrap_st
end

# virtualfish's events, for the --on-event handlers of its users:
# virtualenv_<what> and then virtualenv_<what>:<env name> (the name given, else
# the active environment's).
function __envwrap_vfevent --description "Emit virtualfish's event for an environment (default: the active one)"
    emit virtualenv_$argv[1]
    emit virtualenv_$argv[1]:(string replace -r '.*/' '' -- $argv[2] "$VIRTUAL_ENV")[1]
end

# Source a hook file. Its status is its own business (`set -e VAR` of an unset
# VAR returns 4), as in virtualenvwrapper; only a hook that cannot be read is
# reported. fish reports a syntax error in it by itself.
# A hook the backend refused at activation (__envwrap_hooks_refused: lines of
# FILE<TAB>MESSAGE; others can write it) is not sourced: its line is said instead.
function __envwrap_source --description 'Source an envwrap hook file'
    set -l __envwrap_m (string split \n -- "$__envwrap_hooks_refused" | string replace -rf -- '^'(string escape --style=regex -- $argv[1])\t '')
    if set -q __envwrap_m[1]
        printf '%s\n' $__envwrap_m[1] >&2
    else if test -r $argv[1]
        source $argv[1]
    else
        printf 'envwrap: hook %s cannot be read; skipped\n' $argv[1] >&2
    end
    return 0
end

# The backend's answer for the WORKON_HOME used when the user sets none: the
# directory, and where it comes from (config or default); at load, the
# preamble's. Exported when it is in use, so that programs started from this
# shell (editors) find the environments; never over one the user set.
# ENVWRAP_EXPORTED_HOME marks the value as envwrap's own.
function __envwrap_set_home --description "Keep the backend's WORKON_HOME, and export it unless the user set one"
    set -g __envwrap_home $argv[1]
    set -g __envwrap_home_src $argv[2]
    test -n "$__envwrap_home"; and test -z "$VIRTUALFISH_HOME"; or return 0
    test -z "$WORKON_HOME"; or test "$WORKON_HOME" = "$ENVWRAP_EXPORTED_HOME"; or return 0
    set -gx WORKON_HOME $__envwrap_home
    set -gx ENVWRAP_EXPORTED_HOME $__envwrap_home
end

# The directory holding the environments, as the backend resolves it (no
# process): the user's WORKON_HOME (a relative one below $HOME); else the
# backend's answer (the config file's, or the default ~/.virtualenvs). Callers
# take it with `(__envwrap_workon_home | string collect)`, which keeps a
# directory whose name holds a newline in one piece.
function __envwrap_workon_home --description 'Print the directory the environments live in'
    set -l h "$WORKON_HOME"
    if test -z "$h"; or test "$h" = "$ENVWRAP_EXPORTED_HOME"
        set h "$VIRTUALFISH_HOME" # virtualfish's setting, used when WORKON_HOME is not set
    end
    test -n "$h"; or set h "$__envwrap_home"
    # ~ and a relative path are below $HOME, as the backend reads them.
    set h (string replace -r -- '^~(?=/|$)' "$HOME" "$h" | string collect)
    string replace -r -- '^(?=[^/])' "$HOME/" "$h"
    return 0
end

# Whether the environments' directory may be listed (no process when it is a
# directory). Otherwise the backend answers: it creates a missing one and says
# so, as virtualenvwrapper's commands do; one that is a file is an error.
function __envwrap_home_ok --description 'Check that WORKON_HOME can be listed'
    set -l h (__envwrap_workon_home | string collect)
    test -z "$h"; or test -d "$h"; or __envwrap_call ls >/dev/null
end
__envwrap_set_home "$__envwrap_home" "$__envwrap_home_src"

# Environment names, one per line: a glob, no Python, no new process. The names
# are cut out of all the paths by one `string` call (fast with many envs).
function __envwrap_names --description 'Print the environment names (no Python)'
    set -l h (__envwrap_workon_home | string collect)
    test -n "$h"; or return 0
    # One glob (fish returns only paths that exist, and nothing when none match;
    # its `*` never matches a name that starts with a dot, so hidden directories
    # are left out without a filter), then one `string` call over all of them: no
    # loop per name and no process, this runs per TAB. (?s): WORKON_HOME may hold
    # a newline.
    set -l found $h/*/pyvenv.cfg
    # With nothing to work on, `string` would read standard input.
    set -q found[1]; or return 0
    string replace -r '(?s)^.*/([^/]+)/pyvenv\.cfg$' '$1' -- $found
    return 0
end

# mkvirtualenv, mktmpenv, mkproject -p/--python: the Python versions the backend
# last found (WORKON_HOME/.envwrap/pythons, one a line; read here, no process).
function __envwrap_python_versions --description 'Print the Python versions envwrap last found (no Python)'
    set -l h (__envwrap_workon_home | string collect)
    test -n "$h" -a -f "$h/.envwrap/pythons"; and string match -v -- '' <"$h/.envwrap/pythons"
    return 0
end

function __envwrap_list --description 'Print the environment names, one per line'
    __envwrap_home_ok; or return
    __envwrap_names
end

# Called by the generated code right after the env's own activate.fish ran: keep
# that script's deactivate as __envwrap_venv_deactivate, install ours.
# Arguments: env directory, hook directory, project (or ''), bin directory.
function __envwrap_activated --description 'Wrap the deactivate function of an envwrap environment'
    if not functions -q deactivate
        printf 'envwrap: %s defined no deactivate function\n' $argv[1] >&2
        return 1
    end
    functions -e __envwrap_venv_deactivate
    functions -c deactivate __envwrap_venv_deactivate
    set -g __envwrap_venv $argv[1]
    set -g __envwrap_hook_dir $argv[2]
    set -g __envwrap_project $argv[3]
    set -g __envwrap_bin (string match -v -- '' $argv[4] "$argv[1]/bin")[1]
    set -g __envwrap_auto_act $argv[1] # for auto-activation: an env was activated (then maybe deactivated)
    set -g __envwrap_hooks_refused # the plan sets it next when a deactivate hook is refused
    # virtualfish leaves fish_prompt alone (its users' prompt shows the env):
    # so does envwrap when VIRTUALFISH_HOME is set. The env's activate.fish
    # wrapped the prompt; the user's own goes back (VIRTUAL_ENV_DISABLE_PROMPT
    # keeps activate.fish from wrapping it in the first place, in any shell).
    if test -n "$VIRTUALFISH_HOME"; and set -q _OLD_FISH_PROMPT_OVERRIDE; and functions -q _old_fish_prompt
        set -l fish_function_path
        functions -e fish_prompt
        functions -c _old_fish_prompt fish_prompt
        functions -e _old_fish_prompt
        set -e _OLD_FISH_PROMPT_OVERRIDE
    end
    # virtualfish's will_activate: VIRTUAL_ENV names the env; its own variables
    # and postactivate hooks come after, then did_activate (__envwrap_run).
    __envwrap_vfevent will_activate
    set -g __envwrap_vf_activated 1
    function deactivate --description 'Leave the environment, running its deactivate hooks'
        # --help prints help and changes nothing, as every command does.
        if contains -- "$argv[1]" -h --help
            __envwrap_run deactivate --help
            return
        end
        __envwrap_deactivate $argv
    end
end

# The env's own variables (envwrap vars), from the workon code: NAME VALUE
# pairs, set as exported globals. How to put each global back as it was (an
# exported global, a global not exported, or none: a universal one shows
# through again) is kept as commands in __envwrap_undo, newest first, which
# deactivate evaluates: no process.
function __envwrap_vars_set --description 'Export the environment\'s own variables, keeping how to undo it'
    while set -q argv[2]
        set -l __envwrap_u set -eg $argv[1]
        if set -qgx $argv[1]
            set __envwrap_u set -gx $argv[1] (string escape -- $$argv[1])
        else if set -qg $argv[1]
            set __envwrap_u set -gu $argv[1] (string escape -- $$argv[1])
        end
        set -g __envwrap_undo (string join ' ' -- $__envwrap_u) $__envwrap_undo
        # (no status check: fish's `set` passes on the status of the command before)
        set -gx $argv[1] $argv[2]
        set -e argv[1..2]
    end
    return 0
end

# Deactivate the environment that envwrap activated, if one is active.
function __envwrap_leave --description 'Deactivate the envwrap environment, if any'
    if test -n "$__envwrap_venv"; and functions -q deactivate
        deactivate
    end
end

# deactivate, with virtualenvwrapper's hooks: predeactivate (the env's, then the
# global one, then the project's), the env's own deactivate, postdeactivate (the
# env's, then the global one) with VIRTUALENVWRAPPER_LAST_VIRTUAL_ENV (the name
# virtualenvwrapper's code sets) and VIRTUALENVWRAPPER_LAST_VIRTUALENV (the name
# its documentation gives) set to the env's path; both are erased afterwards.
function __envwrap_deactivate --description 'Deactivate, with the predeactivate and postdeactivate hooks'
    set -l env "$__envwrap_venv"
    set -l hd "$VIRTUALENVWRAPPER_HOOK_DIR"
    if test -z "$hd"
        set hd "$__envwrap_hook_dir"
    else if test "$hd" = "~"; or string match -q -- '~/*' "$hd"
        set hd "$HOME"(string sub -s 2 -- "$hd")
    else if not string match -q -- '/*' "$hd"
        # A relative hook directory is below $HOME, as the backend reads it.
        set hd "$HOME/$hd"
    end
    # Where the hooks are: the env's bin directory and the global one (those
    # set), then for predeactivate only, the project's.
    set -l dirs (string match -v -- '' "$__envwrap_bin" "$hd")
    set -l st 0
    if test "$argv[1]" != nondestructive
        __envwrap_vfevent will_deactivate
    end
    for d in $dirs (string match -v -- '' "$__envwrap_project")/.virtualenvwrapper
        test -f "$d/predeactivate.fish"; and __envwrap_source "$d/predeactivate.fish"
    end
    __envwrap_venv_deactivate $argv
    or set st $status
    for __envwrap_c in $__envwrap_undo # the env's own variables back (__envwrap_vars_set)
        eval $__envwrap_c
    end
    set -eg __envwrap_undo
    if test "$argv[1]" = nondestructive
        return $st
    end
    functions -e deactivate __envwrap_venv_deactivate
    set -e __envwrap_venv __envwrap_bin __envwrap_hook_dir __envwrap_project
    # virtualfish's did_deactivate, with VIRTUAL_ENV still naming the env for
    # its handlers (as virtualfish has it), unexported, erased right after.
    if test -n "$env"
        set -g VIRTUAL_ENV "$env"
        __envwrap_vfevent did_deactivate
        set -e VIRTUAL_ENV
    end
    set -g VIRTUALENVWRAPPER_LAST_VIRTUAL_ENV "$env"
    set -g VIRTUALENVWRAPPER_LAST_VIRTUALENV "$env"
    for d in $dirs
        test -f "$d/postdeactivate.fish"; and __envwrap_source "$d/postdeactivate.fish"
    end
    set -e VIRTUALENVWRAPPER_LAST_VIRTUAL_ENV VIRTUALENVWRAPPER_LAST_VIRTUALENV
    # mktmpenv's env is removed; the shell leaves its directory as rmvirtualenv's does.
    if test -n "$env"; and test -f "$env/.envwrap-tmpenv"
        __envwrap_call rm --tmp "$env"
        or set st $status
        set -l h (string replace -r '/[^/]*$' '' -- "$env")
        test -d "$PWD"; or not test -d "$h"; or cd -- "$h"
    end
    return $st
end

# ----------------------------------------------------------------- commands

function workon --description 'Activate an environment; with no name, list them'
    if test (count $argv) -eq 0
        __envwrap_list
        return
    end
    __envwrap_run workon $argv
end

# BEGIN generated: commands
# (made by `make shells` from envwrap/cli/table.py; edit the table, not this)
function mkvirtualenv --description 'Create an environment in WORKON_HOME and activate it'
    __envwrap_run mkvirtualenv $argv
end

function mktmpenv --description 'Create a temporary environment, removed when deactivated'
    __envwrap_run mktmpenv $argv
end

function cpvirtualenv --description 'Copy an environment and activate the copy'
    __envwrap_run cpvirtualenv $argv
end

function mkproject --description 'Create a project directory in PROJECT_HOME and its environment'
    __envwrap_run mkproject $argv
end

function cdsitepackages --description "cd to the active environment's site-packages"
    __envwrap_run cdsitepackages $argv
end

function cdproject --description "cd to the active environment's project directory"
    __envwrap_run cdproject $argv
end

function showvirtualenv --description 'Show details of an environment (default: the active one)'
    __envwrap_call showvirtualenv $argv
end

function lssitepackages --description "List site-packages (default: the active environment's)"
    __envwrap_call lssitepackages $argv
end

function add2virtualenv --description "Add directories to the active environment's import path"
    __envwrap_call add2virtualenv $argv
end

function toggleglobalsitepackages --description "Turn access to the base interpreter's packages on or off"
    __envwrap_call toggleglobalsitepackages $argv
end

function wipeenv --description 'Uninstall every package (default: from the active environment)'
    __envwrap_call wipeenv $argv
end

function setvirtualenvproject --description 'Bind an environment to a project directory'
    __envwrap_call setvirtualenvproject $argv
end

function mvvirtualenv --description 'Rename an environment'
    __envwrap_call mvvirtualenv $argv
end

function allvirtualenv --description 'Run a command in every environment'
    __envwrap_call allvirtualenv $argv
end
# END generated: commands

# rmvirtualenv NAME...: a shell left in a directory the removal took (it was in
# the env) goes to WORKON_HOME, as virtualenvwrapper's does; a failed removal
# leaves it where it was. The test is on $PWD itself, after the backend's call
# (which steps out of the directory first): no process, no guess from names.
function rmvirtualenv --description 'Remove environments'
    __envwrap_call rmvirtualenv $argv
    set -l st $status
    set -l h (__envwrap_workon_home | string collect)
    test -d "$PWD"; or test -z "$h"; or not test -d "$h"; or cd -- "$h"
    return $st
end

# `envwrap config KEY VALUE` (or --unset KEY) may move WORKON_HOME or switch
# auto-activation: it is the backend's plan, which brings this shell up to date
# at once (read as __envwrap_run reads: 2>/dev/null holds).
function envwrap --description 'The envwrap command, with the settings of this shell'
    if test "$argv[1]" = config; and set -q argv[3]
        __envwrap_run $argv; or return
        __envwrap_auto_setup
        return
    end
    __envwrap_call $argv; or return
    test "$argv[1]" = allow; or return 0
    # allowed or revoked: auto-activation looks again
    set -g __envwrap_auto_bad
    set -g __envwrap_auto_told
    set -g __envwrap_auto_pwd
end

function lsvirtualenv --description 'List the environments (-b: names only, -l: details)'
    if test "$argv[1]" = -b
        __envwrap_list
    else
        __envwrap_call lsvirtualenv $argv
    end
end

# cdvirtualenv [SUBDIR]: the cd is this shell's own (no process); anything else
# (--help, no environment active, no such directory, a WORKON_HOME to create or
# that is a file) the backend says, with the plan's cd when it can.
function cdvirtualenv --description "cd to the active environment's directory"
    set -l h (__envwrap_workon_home | string collect)
    if test -n "$VIRTUAL_ENV" -a -d "$VIRTUAL_ENV/$argv[1]"; and test -z "$h" -o -d "$h"
        and not string match -q -- '-*' "$argv[1]"
        cd -- "$VIRTUAL_ENV/$argv[1]"
    else
        __envwrap_run cdvirtualenv $argv
    end
end

# ----------------------------------------------------------------- virtualfish
# `vf SUBCOMMAND ...`: virtualfish's command, answered by envwrap, so that its
# users keep their habits (and their --on-event handlers: the events are emitted
# by workon and deactivate themselves, see __envwrap_vfevent). Each subcommand
# is a row of VF_ROWS (envwrap/cli/table.py) and a function __envwrap_vf_NAME;
# vf itself, `vf help` and vf's TAB are generated from the rows (the vf block).

# vf deactivate with nothing active is no mistake for virtualfish: status 0.
function __envwrap_vf_deactivate --description 'Deactivate the active environment'
    if test -z "$__envwrap_venv"; or not functions -q deactivate
        echo 'envwrap: vf deactivate: no environment is active' >&2
        return 0
    end
    deactivate
end

# vf new [-p PYTHON] [-c|--connect] [creation options] NAME: mkvirtualenv, with
# virtualfish's will_create before and did_create (and :NAME) once active;
# fish's argparse takes -c/--connect out (what it cannot read, such as
# --connect=x, is left to mkvirtualenv, which says so in envwrap's words).
function __envwrap_vf_new --description 'Create an environment and activate it: vf new [-p PYTHON] [--connect] NAME'
    argparse -i c/connect h/help -- $argv 2>/dev/null
    if set -q _flag_help
        mkvirtualenv --help
        return
    end
    emit virtualenv_will_create
    mkvirtualenv $argv; or return
    __envwrap_vfevent did_create
    not set -q _flag_connect; or __envwrap_vf_connect
end

# vf tmp: mktmpenv, staying in the current directory as virtualfish does.
function __envwrap_vf_tmp --description 'Create a temporary environment, removed when deactivated'
    emit virtualenv_will_create
    mktmpenv --no-cd $argv; or return
    __envwrap_vfevent did_create
end

# vf rm NAME...: one rmvirtualenv per name, between virtualfish's will_remove
# (for an env that is there and not active: rmvirtualenv refuses that one) and
# did_remove once removed, and their :NAME forms. Options first: rmvirtualenv's.
function __envwrap_vf_rm --description 'Remove environments: vf rm NAME...'
    if not set -q argv[1]; or string match -q -- '-*' "$argv[1]"
        rmvirtualenv $argv
        return
    end
    set -l h (__envwrap_workon_home | string collect)
    set -l st 0
    for n in $argv
        test "$VIRTUAL_ENV" != "$h/$n"; and test -e "$h/$n/pyvenv.cfg"; and __envwrap_vfevent will_remove $n
        rmvirtualenv $n; and __envwrap_vfevent did_remove $n; or set st $status
    end
    return $st
end

# vf connect [NAME]: the backend writes the name of the active environment
# (NAME's, activated first) into ./.venv, as virtualfish does; auto-activation
# reads it. Then virtualfish's did_connect.
function __envwrap_vf_connect --description 'Connect the active environment to this directory (writes .venv): vf connect [NAME]'
    __envwrap_run vf-connect $argv; or return
    __envwrap_vfevent did_connect
end

function __envwrap_vf_lsprojects --description 'List the projects in PROJECT_HOME'
    if not test -d "$PROJECT_HOME" # (test -d '' is false: unset too)
        echo 'envwrap: vf lsprojects: PROJECT_HOME is not set to a directory' >&2
        return 1
    end
    set -l found $PROJECT_HOME/*/
    set -q found[1]; or return 0
    string replace -r '^.*/([^/]+)/$' '$1' -- $found
end

# vf upgrade [options] [NAME...]: `envwrap upgrade`, between virtualfish's
# will_upgrade and did_upgrade events (and their :NAME forms) for each env it
# names (fish's argparse takes the options out, -p's value with them), every
# one for -a/--all, else the active one.
function __envwrap_vf_upgrade --description 'Rebuild environments on a newer Python: vf upgrade [options] [NAME...]'
    set -l args $argv
    argparse -i p/python= a/all -- $argv 2>/dev/null
    set -l names (string match -rv -- '^-|^$' $argv '')
    set -q _flag_all; and set names (__envwrap_names)
    set -q names[1]; or set names (string replace -r '.*/' '' -- "$VIRTUAL_ENV" | string match -v '')
    for n in $names
        __envwrap_vfevent will_upgrade $n
    end
    __envwrap_call upgrade $args; or return
    for n in $names
        __envwrap_vfevent did_upgrade $n
    end
end

# BEGIN generated: vf
# (made by `make shells` from VF_ROWS in envwrap/cli/table.py; edit it there)
function vf --description 'virtualfish commands, answered by envwrap (vf help lists them)'
    switch "$argv[1]"
        case '' -h --help
            __envwrap_vf_help
        case install
            printf '%s\n' "envwrap: vf $argv[1]: "'not needed: vf is part of envwrap, loaded by `envwrap init fish | source` in config.fish' >&2
            return 0
        case uninstall
            printf '%s\n' "envwrap: vf $argv[1]: "'not needed: remove the `envwrap init fish | source` line from config.fish (then pipx uninstall envwrap, or pip uninstall envwrap)' >&2
            return 1
        case addplugins rmplugins
            printf '%s\n' "envwrap: vf $argv[1]: "'not needed: every plugin is built in (compat_aliases: workon, mkvirtualenv, ...; projects: vf project, vf workon, vf lsprojects; update_python: vf upgrade; environment: envwrap vars; global_requirements: a postmkvirtualenv hook); auto_activation is envwrap config auto_activate true (false to turn it off)' >&2
            return 1
        case help activate deactivate new tmp rm ls cd cdpackages addpath all globalpackages connect project workon cdproject lsprojects upgrade
            # The backend's hints then name vf commands (vf ls, vf activate), not
            # virtualenvwrapper's; exported to the backend only (a local of this call).
            set -lx ENVWRAP_AS vf
            __envwrap_vf_$argv[1] $argv[2..-1]
        case '*'
            printf 'envwrap: vf: unknown command %s (vf help lists them)\n' (string escape -- "$argv[1]") >&2
            return 2
    end
end

function __envwrap_vf_help --description 'List the vf commands, or describe one: vf help [COMMAND]'
    if not set -q argv[1]
        echo 'Usage: vf <command> [<args>]   (virtualfish commands, run by envwrap)'
        echo
        echo '    activate        Activate an environment: vf activate NAME (no cd)'
        echo '    addpath         Add directories to the active environment\'s import path: vf addpath [-d] DIR...'
        echo '    all             Run a command in every environment: vf all COMMAND...'
        echo '    cd              cd to the active environment\'s directory'
        echo '    cdpackages      cd to the active environment\'s site-packages'
        echo '    cdproject       cd to the active environment\'s project directory'
        echo '    connect         Connect the active environment to this directory (writes .venv): vf connect [NAME]'
        echo '    deactivate      Deactivate the active environment'
        echo '    globalpackages  Access to the base interpreter\'s packages: vf globalpackages [toggle|enable|disable]'
        echo '    help            List the vf commands, or describe one: vf help [COMMAND]'
        echo '    ls              List the environments'
        echo '    lsprojects      List the projects in PROJECT_HOME'
        echo '    new             Create an environment and activate it: vf new [-p PYTHON] [--connect] NAME'
        echo '    project         Create a project directory in PROJECT_HOME and its environment: vf project NAME'
        echo '    rm              Remove environments: vf rm NAME...'
        echo '    tmp             Create a temporary environment, removed when deactivated'
        echo '    upgrade         Rebuild environments on a newer Python: vf upgrade [options] [NAME...]'
        echo '    workon          Activate an environment and cd to its project: vf workon NAME'
        return 0
    end
    switch $argv[1]
        case activate
            echo 'vf activate: Activate an environment: vf activate NAME (no cd)'
        case addpath
            echo 'vf addpath: Add directories to the active environment\'s import path: vf addpath [-d] DIR...'
        case all
            echo 'vf all: Run a command in every environment: vf all COMMAND...'
        case cd
            echo 'vf cd: cd to the active environment\'s directory'
        case cdpackages
            echo 'vf cdpackages: cd to the active environment\'s site-packages'
        case cdproject
            echo 'vf cdproject: cd to the active environment\'s project directory'
        case connect
            echo 'vf connect: Connect the active environment to this directory (writes .venv): vf connect [NAME]'
        case deactivate
            echo 'vf deactivate: Deactivate the active environment'
        case globalpackages
            echo 'vf globalpackages: Access to the base interpreter\'s packages: vf globalpackages [toggle|enable|disable]'
        case help
            echo 'vf help: List the vf commands, or describe one: vf help [COMMAND]'
        case ls
            echo 'vf ls: List the environments'
        case lsprojects
            echo 'vf lsprojects: List the projects in PROJECT_HOME'
        case new
            echo 'vf new: Create an environment and activate it: vf new [-p PYTHON] [--connect] NAME'
        case project
            echo 'vf project: Create a project directory in PROJECT_HOME and its environment: vf project NAME'
        case rm
            echo 'vf rm: Remove environments: vf rm NAME...'
        case tmp
            echo 'vf tmp: Create a temporary environment, removed when deactivated'
        case upgrade
            echo 'vf upgrade: Rebuild environments on a newer Python: vf upgrade [options] [NAME...]'
        case workon
            echo 'vf workon: Activate an environment and cd to its project: vf workon NAME'
        case '*'
            printf 'envwrap: vf help: unknown command %s\n' (string escape -- "$argv[1]") >&2
            return 2
    end
end

function __envwrap_vf_activate --description 'Activate an environment: vf activate NAME (no cd)'
    __envwrap_run vf-activate $argv
end

function __envwrap_vf_ls --description 'List the environments'
    __envwrap_list
end

function __envwrap_vf_cd --description "cd to the active environment's directory"
    cdvirtualenv $argv
end

function __envwrap_vf_cdpackages --description "cd to the active environment's site-packages"
    cdsitepackages $argv
end

function __envwrap_vf_addpath --description "Add directories to the active environment's import path: vf addpath [-d] DIR..."
    add2virtualenv $argv
end

function __envwrap_vf_all --description 'Run a command in every environment: vf all COMMAND...'
    allvirtualenv $argv
end

function __envwrap_vf_globalpackages --description "Access to the base interpreter's packages: vf globalpackages [toggle|enable|disable]"
    __envwrap_call vf-globalpackages $argv
end

function __envwrap_vf_project --description 'Create a project directory in PROJECT_HOME and its environment: vf project NAME'
    mkproject $argv
end

function __envwrap_vf_workon --description 'Activate an environment and cd to its project: vf workon NAME'
    workon $argv
end

function __envwrap_vf_cdproject --description "cd to the active environment's project directory"
    cdproject $argv
end

function __envwrap_vf_register_completions --description 'Register TAB completion for vf'
    complete -c vf -f
    complete -c vf -n __fish_use_subcommand -a activate -d 'Activate an environment: vf activate NAME (no cd)'
    complete -c vf -n __fish_use_subcommand -a addpath -d 'Add directories to the active environment\'s import path: vf addpath [-d] DIR...'
    complete -c vf -n __fish_use_subcommand -a all -d 'Run a command in every environment: vf all COMMAND...'
    complete -c vf -n __fish_use_subcommand -a cd -d 'cd to the active environment\'s directory'
    complete -c vf -n __fish_use_subcommand -a cdpackages -d 'cd to the active environment\'s site-packages'
    complete -c vf -n __fish_use_subcommand -a cdproject -d 'cd to the active environment\'s project directory'
    complete -c vf -n __fish_use_subcommand -a connect -d 'Connect the active environment to this directory (writes .venv): vf connect [NAME]'
    complete -c vf -n __fish_use_subcommand -a deactivate -d 'Deactivate the active environment'
    complete -c vf -n __fish_use_subcommand -a globalpackages -d 'Access to the base interpreter\'s packages: vf globalpackages [toggle|enable|disable]'
    complete -c vf -n __fish_use_subcommand -a help -d 'List the vf commands, or describe one: vf help [COMMAND]'
    complete -c vf -n __fish_use_subcommand -a ls -d 'List the environments'
    complete -c vf -n __fish_use_subcommand -a lsprojects -d 'List the projects in PROJECT_HOME'
    complete -c vf -n __fish_use_subcommand -a new -d 'Create an environment and activate it: vf new [-p PYTHON] [--connect] NAME'
    complete -c vf -n __fish_use_subcommand -a project -d 'Create a project directory in PROJECT_HOME and its environment: vf project NAME'
    complete -c vf -n __fish_use_subcommand -a rm -d 'Remove environments: vf rm NAME...'
    complete -c vf -n __fish_use_subcommand -a tmp -d 'Create a temporary environment, removed when deactivated'
    complete -c vf -n __fish_use_subcommand -a upgrade -d 'Rebuild environments on a newer Python: vf upgrade [options] [NAME...]'
    complete -c vf -n __fish_use_subcommand -a workon -d 'Activate an environment and cd to its project: vf workon NAME'
    complete -c vf -n '__fish_seen_subcommand_from activate rm connect upgrade workon' -a '(__envwrap_names)'
end
# END generated: vf

__envwrap_vf_register_completions

# virtualfish's loader ends with this event, at every load; its plugins (and
# its users' functions) set themselves up on it.
emit virtualfish_did_setup_plugins

# ----------------------------------------------------------------- completion
# No Python per TAB: names come from the same glob as lsvirtualenv -b.

# Subdirectories of the active environment (or of its site-packages with
# argument `site`) below what has been typed so far.
function __envwrap_complete_subdirs --description 'Complete directories inside the active environment'
    test -n "$VIRTUAL_ENV"; or return 0
    set -l base $VIRTUAL_ENV
    test "$argv[1]" = site; and set base $VIRTUAL_ENV/lib/python*/site-packages
    set -q base[1]; or return 0
    set -l found $base[1]/(commandline -ct)*/
    set -q found[1]; and string replace -- "$base[1]/" '' $found
    return 0
end

# BEGIN generated: options
# (made by `make shells` from the backend's own parsers, see tools/gen_shells.py; edit those)
# Every command's options, read from the parser the command builds in the
# backend (a command whose arguments are no paths completes no file names).
function __envwrap_verb_is --description 'Whether TAB is after envwrap VERB (one of those given)'
    set -l words (commandline -opc)
    contains -- "$words[2]" $argv
end

function __envwrap_register_options --description 'Register the TAB completions of the options of the envwrap commands'
    complete -c workon -s h -l help -d 'show help'
    complete -c workon -s c -l cd -d 'cd to the project directory'
    complete -c workon -s n -l no-cd -d 'do not cd to the project'
    complete -c mkvirtualenv -s h -l help -d 'show help'
    complete -c mkvirtualenv -s a -r -F -d 'associate an existing project directory'
    complete -c mkvirtualenv -s i -x -d 'install a package after creating'
    complete -c mkvirtualenv -s r -r -F -d 'install a requirements file after creating'
    complete -c mkvirtualenv -s p -l python -r -F -d 'interpreter to base the environment on: a name, version or path'
    complete -c mkvirtualenv -l creator -x -a 'auto venv uv virtualenv' -d 'how to create it'
    complete -c mkvirtualenv -l without-pip -l no-pip -d 'do not install pip'
    complete -c mkvirtualenv -l system-site-packages -d 'give access to the base interpreter\'s packages'
    complete -c mkvirtualenv -l prompt -x -d 'prompt prefix'
    complete -c mkvirtualenv -l copies -d 'copy the interpreter instead of linking to it'
    complete -c mkvirtualenv -l symlinks -d 'link to the interpreter'
    complete -c mkvirtualenv -l clear -d 'accepted as python -m venv does'
    complete -c mkvirtualenv -l upgrade-deps -d 'upgrade pip from the package index after creating'
    complete -c mkvirtualenv -l without-scm-ignore-files -d 'leave out the .gitignore that makes git ignore the environment'
    complete -c mkvirtualenv -l from -r -F -d 'make it from a manifest written by \'envwrap export\', or a pylock.toml'
    complete -c mktmpenv -s h -l help -d 'show help'
    complete -c mktmpenv -s a -r -F -d 'associate an existing project directory'
    complete -c mktmpenv -s i -x -d 'install a package after creating'
    complete -c mktmpenv -s r -r -F -d 'install a requirements file after creating'
    complete -c mktmpenv -s p -l python -r -F -d 'interpreter to base the environment on: a name, version or path'
    complete -c mktmpenv -l creator -x -a 'auto venv uv virtualenv' -d 'how to create it'
    complete -c mktmpenv -l without-pip -l no-pip -d 'do not install pip'
    complete -c mktmpenv -l system-site-packages -d 'give access to the base interpreter\'s packages'
    complete -c mktmpenv -l prompt -x -d 'prompt prefix'
    complete -c mktmpenv -l copies -d 'copy the interpreter instead of linking to it'
    complete -c mktmpenv -l symlinks -d 'link to the interpreter'
    complete -c mktmpenv -l clear -d 'accepted as python -m venv does'
    complete -c mktmpenv -l upgrade-deps -d 'upgrade pip from the package index after creating'
    complete -c mktmpenv -l without-scm-ignore-files -d 'leave out the .gitignore that makes git ignore the environment'
    complete -c mktmpenv -s c -l cd -d 'cd into the environment\'s directory'
    complete -c mktmpenv -s n -l no-cd -d 'stay in this directory'
    complete -c cpvirtualenv -s h -l help -d 'show help'
    complete -c mkproject -s h -l help -d 'show help'
    complete -c mkproject -s i -x -d 'install a package after creating'
    complete -c mkproject -s r -r -F -d 'install a requirements file after creating'
    complete -c mkproject -s p -l python -r -F -d 'interpreter to base the environment on: a name, version or path'
    complete -c mkproject -l creator -x -a 'auto venv uv virtualenv' -d 'how to create it'
    complete -c mkproject -l without-pip -l no-pip -d 'do not install pip'
    complete -c mkproject -l system-site-packages -d 'give access to the base interpreter\'s packages'
    complete -c mkproject -l prompt -x -d 'prompt prefix'
    complete -c mkproject -l copies -d 'copy the interpreter instead of linking to it'
    complete -c mkproject -l symlinks -d 'link to the interpreter'
    complete -c mkproject -l clear -d 'accepted as python -m venv does'
    complete -c mkproject -l upgrade-deps -d 'upgrade pip from the package index after creating'
    complete -c mkproject -l without-scm-ignore-files -d 'leave out the .gitignore that makes git ignore the environment'
    complete -c mkproject -s f -l force -d 'use the project directory, and the environment NAME, even if they exist'
    complete -c cdsitepackages -s h -l help -d 'show help'
    complete -c cdproject -f
    complete -c cdproject -s h -l help -d 'show help'
    complete -c showvirtualenv -s h -l help -d 'show help'
    complete -c showvirtualenv -l json -d 'details as JSON'
    complete -c lssitepackages -s h -l help -d 'show help'
    complete -c lssitepackages -l path -d 'print the directory only'
    complete -c add2virtualenv -s h -l help -d 'show help'
    complete -c add2virtualenv -s d -d 'remove them instead'
    complete -c toggleglobalsitepackages -s h -l help -d 'show help'
    complete -c toggleglobalsitepackages -s q -d 'say nothing'
    complete -c wipeenv -s h -l help -d 'show help'
    complete -c setvirtualenvproject -s h -l help -d 'show help'
    complete -c setvirtualenvproject -s f -l force -d 'accepted for old scripts'
    complete -c mvvirtualenv -s h -l help -d 'show help'
    complete -c allvirtualenv -n 'test (count (commandline -opc)) -eq 1' -s h -l help -d 'show help'
    complete -c rmvirtualenv -s h -l help -d 'show help'
    complete -c lsvirtualenv -f
    complete -c lsvirtualenv -s h -l help -d 'show help'
    complete -c lsvirtualenv -s b -l brief -d 'names only'
    complete -c lsvirtualenv -s l -l long -d 'details for each environment'
    complete -c lsvirtualenv -l json -d 'details as JSON'
    complete -c cdvirtualenv -s h -l help -d 'show help'
    complete -c envwrap -n '__envwrap_verb_is init' -s h -l help -d 'show help'
    complete -c envwrap -n '__envwrap_verb_is init' -l auto -d 'activate a project\'s environment on cd'
    complete -c envwrap -n '__envwrap_verb_is init' -l write -d 'write the files where the shell loads them'
    complete -c envwrap -n '__envwrap_verb_is demo' -s h -l help -d 'show help'
    complete -c envwrap -n '__envwrap_verb_is ls' -s h -l help -d 'show help'
    complete -c envwrap -n '__envwrap_verb_is ls' -s b -l brief -d 'names only'
    complete -c envwrap -n '__envwrap_verb_is ls' -s l -l long -d 'details for each environment'
    complete -c envwrap -n '__envwrap_verb_is ls' -l json -d 'details as JSON'
    complete -c envwrap -n '__envwrap_verb_is path' -s h -l help -d 'show help'
    complete -c envwrap -n '__envwrap_verb_is show' -s h -l help -d 'show help'
    complete -c envwrap -n '__envwrap_verb_is show' -l json -d 'details as JSON'
    complete -c envwrap -n '__envwrap_verb_is run' -s h -l help -d 'show help'
    complete -c envwrap -n '__envwrap_verb_is shell' -s h -l help -d 'show help'
    complete -c envwrap -n '__envwrap_verb_is shell' -l shell -x -d 'bash, zsh, fish or pwsh'
    complete -c envwrap -n '__envwrap_verb_is which' -s h -l help -d 'show help'
    complete -c envwrap -n '__envwrap_verb_is vars' -s h -l help -d 'show help'
    complete -c envwrap -n '__envwrap_verb_is gc' -s h -l help -d 'show help'
    complete -c envwrap -n '__envwrap_verb_is gc' -l unused -x -d 'not used for AGE: a whole number of days or weeks, like 90d or 12w'
    complete -c envwrap -n '__envwrap_verb_is gc' -l broken -d 'whose base Python is gone or that cannot be read'
    complete -c envwrap -n '__envwrap_verb_is gc' -l missing-project -d 'whose project directory is gone'
    complete -c envwrap -n '__envwrap_verb_is gc' -l yes -d 'remove them'
    complete -c envwrap -n '__envwrap_verb_is new' -s h -l help -d 'show help'
    complete -c envwrap -n '__envwrap_verb_is new' -s a -r -F -d 'associate an existing project directory'
    complete -c envwrap -n '__envwrap_verb_is new' -s i -x -d 'install a package after creating'
    complete -c envwrap -n '__envwrap_verb_is new' -s r -r -F -d 'install a requirements file after creating'
    complete -c envwrap -n '__envwrap_verb_is new' -s p -l python -r -F -d 'interpreter to base the environment on: a name, version or path'
    complete -c envwrap -n '__envwrap_verb_is new' -l creator -x -a 'auto venv uv virtualenv' -d 'how to create it'
    complete -c envwrap -n '__envwrap_verb_is new' -l without-pip -l no-pip -d 'do not install pip'
    complete -c envwrap -n '__envwrap_verb_is new' -l system-site-packages -d 'give access to the base interpreter\'s packages'
    complete -c envwrap -n '__envwrap_verb_is new' -l prompt -x -d 'prompt prefix'
    complete -c envwrap -n '__envwrap_verb_is new' -l copies -d 'copy the interpreter instead of linking to it'
    complete -c envwrap -n '__envwrap_verb_is new' -l symlinks -d 'link to the interpreter'
    complete -c envwrap -n '__envwrap_verb_is new' -l clear -d 'accepted as python -m venv does'
    complete -c envwrap -n '__envwrap_verb_is new' -l upgrade-deps -d 'upgrade pip from the package index after creating'
    complete -c envwrap -n '__envwrap_verb_is new' -l without-scm-ignore-files -d 'leave out the .gitignore that makes git ignore the environment'
    complete -c envwrap -n '__envwrap_verb_is rm' -s h -l help -d 'show help'
    complete -c envwrap -n '__envwrap_verb_is cp' -s h -l help -d 'show help'
    complete -c envwrap -n '__envwrap_verb_is mv' -s h -l help -d 'show help'
    complete -c envwrap -n '__envwrap_verb_is adopt' -s h -l help -d 'show help'
    complete -c envwrap -n '__envwrap_verb_is adopt' -l scan -d 'list the environments found'
    complete -c envwrap -n '__envwrap_verb_is adopt' -l json -d 'with --scan: the list as JSON'
    complete -c envwrap -n '__envwrap_verb_is adopt' -s n -l dry-run -d 'say what would happen, change nothing'
    complete -c envwrap -n '__envwrap_verb_is adopt' -l copy -d 'copy instead of moving: the source stays'
    complete -c envwrap -n '__envwrap_verb_is export' -s h -l help -d 'show help'
    complete -c envwrap -n '__envwrap_verb_is export' -s o -l output -r -F -d 'write to FILE instead of standard output'
    complete -c envwrap -n '__envwrap_verb_is export' -l format -x -a 'toml requirements pylock' -d 'toml: the manifest'
    complete -c envwrap -n '__envwrap_verb_is import' -s h -l help -d 'show help'
    complete -c envwrap -n '__envwrap_verb_is import' -s p -l python -r -F -d 'interpreter to use instead of the manifest\'s version'
    complete -c envwrap -n '__envwrap_verb_is project' -s h -l help -d 'show help'
    complete -c envwrap -n '__envwrap_verb_is project' -s f -l force -d 'accepted for old scripts'
    complete -c envwrap -n '__envwrap_verb_is kernel' -s h -l help -d 'show help'
    complete -c envwrap -n '__envwrap_verb_is sitepackages' -s h -l help -d 'show help'
    complete -c envwrap -n '__envwrap_verb_is sitepackages' -l path -d 'print the directory only'
    complete -c envwrap -n '__envwrap_verb_is add-path' -s h -l help -d 'show help'
    complete -c envwrap -n '__envwrap_verb_is add-path' -s d -d 'remove them instead'
    complete -c envwrap -n '__envwrap_verb_is toggle-global' -s h -l help -d 'show help'
    complete -c envwrap -n '__envwrap_verb_is toggle-global' -s q -d 'say nothing'
    complete -c envwrap -n '__envwrap_verb_is wipe' -s h -l help -d 'show help'
    complete -c envwrap -n '__envwrap_verb_is repair' -s h -l help -d 'show help'
    complete -c envwrap -n '__envwrap_verb_is repair' -s p -l python -r -F -d ''
    complete -c envwrap -n '__envwrap_verb_is upgrade' -s h -l help -d 'show help'
    complete -c envwrap -n '__envwrap_verb_is upgrade' -s p -l python -r -F -d 'the interpreter to rebuild on'
    complete -c envwrap -n '__envwrap_verb_is upgrade' -l dry-run -d 'say what would be done'
    complete -c envwrap -n '__envwrap_verb_is upgrade' -l all-broken -d 'every environment that is broken or whose packages its Python cannot see'
    complete -c envwrap -n '__envwrap_verb_is pythons' -s h -l help -d 'show help'
    complete -c envwrap -n '__envwrap_verb_is doctor' -s h -l help -d 'show help'
    complete -c envwrap -n '__envwrap_verb_is doctor' -l fix -d 'remove leftovers of interrupted operations'
    complete -c envwrap -n '__envwrap_verb_is doctor' -l json -d 'the problems as JSON'
    complete -c envwrap -n '__envwrap_verb_is config' -s h -l help -d 'show help'
    complete -c envwrap -n '__envwrap_verb_is config' -l unset -d 'remove KEY from the config file'
    complete -c envwrap -n '__envwrap_verb_is allow' -s h -l help -d 'show help'
    complete -c envwrap -n '__envwrap_verb_is allow' -l revoke -d 'forget DIR\'s allowance'
    complete -c envwrap -n '__envwrap_verb_is allow' -l list -d 'list the allowed directories and their state'
    complete -c envwrap -n '__envwrap_verb_is seed' -s h -l help -d 'show help'
    complete -c envwrap -n '__envwrap_verb_is seed' -l update -d 'download the newest pip wheel into envwrap\'s cache'
    complete -c envwrap -n '__envwrap_verb_is seed' -s p -l python -r -F -d 'also for this interpreter'
end
# END generated: options

# BEGIN generated: completion
# (made by `make shells` from envwrap/cli/table.py; edit the table, not this)
function __envwrap_register_completions --description 'Register the TAB completions of the envwrap commands'
    # Erase first, so that loading envwrap twice registers everything once.
    for cmd in workon mkvirtualenv mktmpenv cpvirtualenv mkproject cdsitepackages cdproject showvirtualenv lssitepackages add2virtualenv toggleglobalsitepackages wipeenv setvirtualenvproject mvvirtualenv allvirtualenv rmvirtualenv lsvirtualenv cdvirtualenv envwrap
        complete -c $cmd -e
    end
    complete -c workon -f -a '(__envwrap_names)'
    complete -c mkvirtualenv -s p -l python -r -a '(__envwrap_python_versions)'
    complete -c mktmpenv -s p -l python -r -a '(__envwrap_python_versions)'
    complete -c cpvirtualenv -f -a '(__envwrap_names)'
    complete -c mkproject -s p -l python -r -a '(__envwrap_python_versions)'
    complete -c cdsitepackages -f -a '(__envwrap_complete_subdirs site)'
    complete -c showvirtualenv -f -a '(__envwrap_names)'
    complete -c lssitepackages -f -a '(__envwrap_names)'
    complete -c toggleglobalsitepackages -f -a '(__envwrap_names)'
    complete -c wipeenv -f -a '(__envwrap_names)'
    complete -c setvirtualenvproject -n 'test (count (commandline -opc)) -eq 1' -a '(__envwrap_names)'
    complete -c mvvirtualenv -f
    complete -c mvvirtualenv -f -n 'test (count (commandline -opc)) -eq 1' -a '(__envwrap_names)'
    complete -c allvirtualenv -x -a '(__fish_complete_subcommand)'
    complete -c rmvirtualenv -f -a '(__envwrap_names)'
    complete -c cdvirtualenv -f -a '(__envwrap_complete_subdirs)'
    complete -c envwrap -f -n __fish_use_subcommand -a 'init demo ls path show run shell which vars gc new rm cp mv adopt export import project kernel sitepackages add-path toggle-global wipe repair upgrade pythons doctor config allow seed'
    complete -c envwrap -f -n '__envwrap_verb_is rm upgrade' -a '(__envwrap_names)'
    complete -c envwrap -f -n '__envwrap_verb_is path show run shell which vars cp mv export project sitepackages wipe repair; and test (count (commandline -opc)) -eq 2' -a '(__envwrap_names)'
    # Their options (the options block, from the backend's parsers).
    __envwrap_register_options
end
# END generated: completion
__envwrap_register_completions

# virtualenvwrapper's `initialize` hook, as initialize.fish, sourced once at load
# (a file test, no process): VIRTUALENVWRAPPER_HOOK_DIR, else WORKON_HOME.
function __envwrap_initialize --description 'Source the initialize.fish hook, if there is one'
    set -l d "$VIRTUALENVWRAPPER_HOOK_DIR"
    test -n "$d"; or set d (__envwrap_workon_home | string collect)
    test -n "$d"; and test -f "$d/initialize.fish"; and __envwrap_source "$d/initialize.fish"
    return 0
end
__envwrap_initialize

# ------------------------------------------------------- auto-activation on cd
# Opt-in: __envwrap_auto=1 comes from the preamble (`envwrap init fish --auto`, or
# `envwrap config auto_activate true`, which also switches this shell at once).
# On each change of PWD, and at each prompt (a shell started inside a project),
# and only when PWD or the active env changed since the last look, the directory
# and its parents are searched for a marker (builtins only: test, read, string;
# no process; see __envwrap_auto_find). One backend process runs only to activate.
# State (the same as bash's and zsh's, envwrap/shells/bash/auto.sh.in):
#   __envwrap_auto_want  what the marker named when auto-activation activated the
#                        env now active (empty: no env, or one the user chose)
#   __envwrap_auto_off   a tree where the user deactivated by hand (until left)
#   __envwrap_auto_bad   a tree whose env failed to activate (until left)
#   __envwrap_auto_told  the trees already told that they need `envwrap allow`
#   __envwrap_auto_pwd, _seen  PWD and VIRTUAL_ENV at the last look
#   __envwrap_auto_act   an env activated since the last look (set by __envwrap_activated)

function __envwrap_auto_find --description 'The nearest marker above PWD: its directory into __envwrap_auto_r, the env it names into __envwrap_auto_t'
    # The order and the rules of envwrap/env/discovery.py; a .python-envs the
    # shell cannot read cheaply names itself, for the backend to say why.
    set -l d "$PWD"
    set -l h (__envwrap_workon_home | string collect)
    set -g __envwrap_auto_r
    set -g __envwrap_auto_t
    while test -z "$__envwrap_auto_t"
        set -l l
        # A .venv env (also PEP 832's implicit last line of a .python-envs beside
        # it), else a .python-envs' last non-blank line, else a .venv file's first
        # line: a path (absolute, or relative to the file) or virtualfish's bare name.
        if test -f "$d/.venv/pyvenv.cfg"
            set -g __envwrap_auto_t "$d/.venv"
        else if test -e "$d/.python-envs"; or test -L "$d/.python-envs"
            set -g __envwrap_auto_t "$d/.python-envs"
            test -f "$d/.python-envs"; and test -r "$d/.python-envs"; and read -z -n 65536 l <"$d/.python-envs"
            test (string length -- "$l") -lt 65536; or set l # longer: the backend's
            set l (string split -- \n "$l" | string trim | string match -rv '^$')[-1]
            test -n "$l"; and not string match -q -- '/*' "$l"; and set l "$d/$l" # relative to the file
        else if test -f "$d/.venv"; and test -r "$d/.venv"
            set l (string trim <"$d/.venv")[1]
        end
        switch "$l"
            case '/*'
                set -g __envwrap_auto_t "$l"
            case '*/*' . ..
                set -g __envwrap_auto_t "$d/$l"
            case '?*'
                test -n "$h"; and set -g __envwrap_auto_t "$h/$l"
        end
        # pyenv-virtualenv's way: a .python-version naming an env in WORKON_HOME.
        if test -z "$__envwrap_auto_t"; and test -f "$d/.python-version"; and test -r "$d/.python-version"
            set l (string trim <"$d/.python-version")[1]
            string match -qr -- '^[^./][^/]*$' "$l"; and test -n "$h"; and test -f "$h/$l/pyvenv.cfg"
            and set -g __envwrap_auto_t "$h/$l"
        end
        test -n "$__envwrap_auto_t"; and set -g __envwrap_auto_r "$d"
        test -n "$d"; and test "$d" != /; or return 0
        set d (string replace -r -- '/[^/]*$' '' "$d")
    end
end

function __envwrap_auto_in --description 'Whether $argv[2] (by default PWD) is the directory $argv[1] or below it'
    set -l p $argv[2] "$PWD"
    test -n "$argv[1]"; or return 1
    test "$p[1]" = "$argv[1]"; or test "$argv[1]" = /; or string match -qr -- '^'(string escape --style=regex -- "$argv[1]")'/' "$p[1]"
end

# On a change of PWD and at a prompt, when the directory changed, or an env was
# activated or deactivated since the last look: activate the env of PWD, or
# leave the one auto-activation activated.
function __envwrap_auto_hook --description 'Auto-activation: activate or leave the env of PWD'
    set -l s $status
    test "$__envwrap_auto" = 1; and test -z "$__envwrap_auto_busy"; or return $s
    test "$PWD" != "$__envwrap_auto_pwd" -o "$VIRTUAL_ENV" != "$__envwrap_auto_seen" -o -n "$__envwrap_auto_act"
    or return $s
    set -l w "$__envwrap_auto_pwd"
    set -l d "$__envwrap_auto_act"
    test -n "$d"; or set d "$__envwrap_auto_seen"
    set -g __envwrap_auto_pwd "$PWD"
    set -g __envwrap_auto_busy 1 # a cd in a hook that activation runs does not come back here
    # An env replaced or deactivated since the last look is the user's business.
    test "$VIRTUAL_ENV" = "$__envwrap_auto_seen"; or set -g __envwrap_auto_want
    __envwrap_auto_in "$__envwrap_auto_off"; or set -g __envwrap_auto_off
    __envwrap_auto_in "$__envwrap_auto_bad"; or set -g __envwrap_auto_bad
    __envwrap_auto_find
    set -l r "$__envwrap_auto_r"
    set -l t "$__envwrap_auto_t"
    # A deactivate typed since the last look (of the env active then, or of one
    # activated since: `workon proj; deactivate` on one line), with nothing
    # active now in a tree: respected until the tree is left, when it was typed
    # inside the tree or deactivated the tree's own env.
    if test -n "$r"; and test -z "$VIRTUAL_ENV"; and test -n "$d"
        if test "$d" = "$t"; or __envwrap_auto_in "$r" "$w"
            set -g __envwrap_auto_off "$r"
        end
    end
    # Another env named, in a tree not refused, and no env the user chose:
    # activate (status 3: the user neither made nor allowed this env, said once
    # per tree in this shell; -q asks the backend to stay quiet), else no retry
    # until the tree is left.
    if test -n "$t"; and test "$t" != "$__envwrap_auto_want"; and test "$r" != "$__envwrap_auto_off"
        and test "$r" != "$__envwrap_auto_bad"; and test -n "$__envwrap_auto_want" -o -z "$VIRTUAL_ENV"
        set -l q
        contains -- "$r" $__envwrap_auto_told; and set q -q
        __envwrap_run auto $q "$r" "$t"
        set -l st $status
        if test $st -eq 0; and test -n "$VIRTUAL_ENV"
            set -g __envwrap_auto_want "$t"
        else
            test $st -eq 3; and test -z "$q"; and set -g -a __envwrap_auto_told "$r"
            set -g __envwrap_auto_bad "$r"
        end
    end
    # What auto-activation activated belongs to a tree that was left (or refused).
    if test -n "$__envwrap_auto_want"; and test "$t" != "$__envwrap_auto_want"
        set -g __envwrap_auto_want
        __envwrap_leave
    end
    set -g __envwrap_auto_busy
    set -g __envwrap_auto_seen "$VIRTUAL_ENV"
    set -g __envwrap_auto_act
    return $s
end

# Define the event handlers; with auto-activation off, erase them again and
# forget what auto-activation knew (an env it activated stays, as yours).
function __envwrap_auto_setup --description 'Turn auto-activation on or off, as __envwrap_auto says'
    set -g __envwrap_auto_pwd # look again at the next prompt
    if test "$__envwrap_auto" != 1
        functions -e __envwrap_auto_on_pwd __envwrap_auto_on_prompt
        set -e -g __envwrap_auto_want __envwrap_auto_off __envwrap_auto_bad
        return 0
    end
    function __envwrap_auto_on_pwd --on-variable PWD --description 'Auto-activation on cd'
        __envwrap_auto_hook
    end
    function __envwrap_auto_on_prompt --on-event fish_prompt --description 'Auto-activation at a prompt'
        __envwrap_auto_hook
    end
end
__envwrap_auto_setup
