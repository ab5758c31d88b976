# envwrap for fish (3.1 or later).
#
# Load it from ~/.config/fish/config.fish with either
#     envwrap init fish | source
# or, with no Python at start-up, write it once and source the file:
#     envwrap init fish > ~/.config/fish/envwrap.fish   # in config.fish: source ~/.config/fish/envwrap.fish
# `envwrap init` prepends __envwrap_exe (the words that start the envwrap backend)
# and __envwrap_home (a WORKON_HOME hint for completion) to this file.
#
# Contract: every function here is thin. The backend decides; commands that must
# change this shell print fish code that is evaluated only when the backend exits
# 0. Private names start with __envwrap_.
#
# Sourced hooks (postactivate.fish, predeactivate.fish, postdeactivate.fish,
# postmkvirtualenv.fish, ...) run inside a function, as everything fish sources
# from a function does: state they keep must be set with `set -g` (or -gx).

if not set -q __envwrap_loads[1]
    set -g __envwrap_loads 0
end
set -g __envwrap_loads (math $__envwrap_loads + 1)

# Run the backend with the user's settings, exported or not (fish globals and
# universals count): a variable changed in this shell takes effect at the next
# command. Unset and empty mean the same.
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
        PROJECT_HOME="$PROJECT_HOME" \
        VIRTUALENVWRAPPER_HOOK_DIR="$VIRTUALENVWRAPPER_HOOK_DIR" \
        VIRTUALENVWRAPPER_PROJECT_FILENAME="$VIRTUALENVWRAPPER_PROJECT_FILENAME" \
        VIRTUALENVWRAPPER_WORKON_CD="$VIRTUALENVWRAPPER_WORKON_CD" \
        VIRTUALENVWRAPPER_VIRTUALENV="$VIRTUALENVWRAPPER_VIRTUALENV" \
        VIRTUALENVWRAPPER_VIRTUALENV_ARGS="$VIRTUALENVWRAPPER_VIRTUALENV_ARGS" \
        ENVWRAP_LOADS="$__envwrap_loads" \
        $exe $argv
end

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
    if test "$__envwrap_st" -ne 0
        return $__envwrap_st
    end
    eval $__envwrap_code
end

# Source a hook file; a failure is reported, not fatal.
function __envwrap_source --description 'Source an envwrap hook file'
    source $argv[1]
    or printf 'envwrap: hook %s exited with status %s\n' $argv[1] $status >&2
    return 0
end

# The directory holding the environments, as completion and listing see it.
function __envwrap_workon_home --description 'Print the directory the environments live in'
    set -l h "$WORKON_HOME"
    if test -z "$h"
        set h "$__envwrap_home"
    end
    if test "$h" = "~"; or string match -q -- '~/*' "$h"
        set h "$HOME"(string sub -s 2 -- "$h")
    end
    test -n "$h"; and printf '%s\n' "$h"
    return 0
end

# Environment names, one per line: a glob, no Python, no new process. The names
# are cut out of all the paths by one `string` call (fast with many envs).
function __envwrap_names --description 'Print the environment names (no Python)'
    set -l h (__envwrap_workon_home)
    test -n "$h"; or return 0
    # One glob (fish returns only paths that exist, and nothing when none match),
    # then one `string` call over all of them: no loop per name, this runs per TAB.
    set -l found $h/*/pyvenv.cfg
    # With nothing to work on, `string` would read standard input.
    set -q found[1]; or return 0
    string replace -r '^.*/([^/]+)/pyvenv\.cfg$' '$1' -- $found | string match -v -- '.*'
    return 0
end

function __envwrap_list --description 'Print the environment names, one per line'
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
    set -g __envwrap_bin $argv[4]
    if test -z "$__envwrap_bin"
        set __envwrap_bin "$argv[1]/bin"
    end
    function deactivate --description 'Leave the environment, running its deactivate hooks'
        __envwrap_deactivate $argv
    end
end

# Deactivate the environment that envwrap activated, if one is active.
function __envwrap_leave --description 'Deactivate the envwrap environment, if any'
    if test -n "$__envwrap_venv"; and functions -q deactivate
        deactivate
    end
end

# deactivate, with virtualenvwrapper's hooks: predeactivate (the env's, then the
# global one, then the project's), the env's own deactivate, postdeactivate (the
# env's, then the global one) with VIRTUALENVWRAPPER_LAST_VIRTUALENV set.
function __envwrap_deactivate --description 'Deactivate, with the predeactivate and postdeactivate hooks'
    set -l env "$__envwrap_venv"
    set -l bin "$__envwrap_bin"
    set -l hd "$VIRTUALENVWRAPPER_HOOK_DIR"
    if test -z "$hd"
        set hd "$__envwrap_hook_dir"
    end
    set -l project "$__envwrap_project"
    set -l st 0
    if test -n "$bin"; and test -f "$bin/predeactivate.fish"
        __envwrap_source "$bin/predeactivate.fish"
    end
    if test -n "$hd"; and test -f "$hd/predeactivate.fish"
        __envwrap_source "$hd/predeactivate.fish"
    end
    if test -n "$project"; and test -f "$project/.virtualenvwrapper/predeactivate.fish"
        __envwrap_source "$project/.virtualenvwrapper/predeactivate.fish"
    end
    __envwrap_venv_deactivate $argv
    or set st $status
    if test "$argv[1]" = nondestructive
        return $st
    end
    functions -e deactivate __envwrap_venv_deactivate
    set -e __envwrap_venv
    set -e __envwrap_bin
    set -e __envwrap_hook_dir
    set -e __envwrap_project
    set -g VIRTUALENVWRAPPER_LAST_VIRTUALENV "$env"
    if test -n "$bin"; and test -f "$bin/postdeactivate.fish"
        __envwrap_source "$bin/postdeactivate.fish"
    end
    if test -n "$hd"; and test -f "$hd/postdeactivate.fish"
        __envwrap_source "$hd/postdeactivate.fish"
    end
    set -e VIRTUALENVWRAPPER_LAST_VIRTUALENV
    if test -n "$env"; and test -f "$env/.envwrap-tmpenv"
        __envwrap_call rm --tmp "$env"
        or set st $status
    end
    return $st
end

# ----------------------------------------------------------------- commands

function workon --description 'Activate an environment; with no name, list them'
    if test (count $argv) -eq 0
        __envwrap_names
        return
    end
    __envwrap_run workon $argv
end

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

function rmvirtualenv --description 'Remove environments'
    __envwrap_call rm $argv
end

function showvirtualenv --description 'Show details of an environment (default: the active one)'
    __envwrap_call show $argv
end

function lssitepackages --description "List the active environment's site-packages"
    __envwrap_call sitepackages $argv
end

function add2virtualenv --description "Add directories to the active environment's import path"
    __envwrap_call add-path $argv
end

function toggleglobalsitepackages --description "Turn access to the base interpreter's packages on or off"
    __envwrap_call toggle-global $argv
end

function wipeenv --description 'Uninstall every package from the active environment'
    __envwrap_call wipe $argv
end

function setvirtualenvproject --description 'Bind an environment to a project directory'
    __envwrap_call project $argv
end

function envwrap --description 'The envwrap command, with the settings of this shell'
    __envwrap_call $argv
end

function lsvirtualenv --description 'List the environments (-b: names only, -l: details)'
    switch "$argv[1]"
        case -b
            __envwrap_names
        case -l ''
            __envwrap_call ls -l
        case '*'
            __envwrap_call ls $argv
    end
end

function cdvirtualenv --description "cd to the active environment's directory"
    if test -z "$VIRTUAL_ENV"
        echo 'envwrap: cdvirtualenv: no environment is active; run workon first' >&2
        return 1
    end
    if test -n "$argv[1]"
        cd -- "$VIRTUAL_ENV/$argv[1]"
    else
        cd -- "$VIRTUAL_ENV"
    end
end

# allvirtualenv CMD...: run CMD in every environment, each in its own fish
# process (fish has no subshells), so nothing leaks back into this shell.
function allvirtualenv --description 'Run a command in every environment'
    if test (count $argv) -eq 0
        echo 'envwrap: allvirtualenv: name a command to run in every environment' >&2
        return 2
    end
    set -l h (__envwrap_workon_home)
    set -l fish_exe (status fish-path 2>/dev/null)
    or set fish_exe fish
    set -l st 0
    for n in (__envwrap_names)
        $fish_exe -c 'source $argv[1]; and cd -- $argv[2]; and $argv[3..-1]' -- \
            "$h/$n/bin/activate.fish" "$h/$n" $argv
        or set st $status
    end
    return $st
end

# ----------------------------------------------------------------- completion
# No Python per TAB: names come from the same glob as lsvirtualenv -b.

# Subdirectories of the active environment (or of its site-packages with
# argument `site`) below what has been typed so far.
function __envwrap_complete_subdirs --description 'Complete directories inside the active environment'
    test -n "$VIRTUAL_ENV"; or return 0
    set -l base "$VIRTUAL_ENV"
    if test "$argv[1]" = site
        set base $VIRTUAL_ENV/lib/python*/site-packages
        set base $base[1]
    end
    test -n "$base"; and test -d "$base"; or return 0
    set -l typed (commandline -ct)
    for d in $base/$typed*/
        string replace -- "$base/" '' "$d"
    end
end

function __envwrap_register_completions --description 'Register the TAB completions of the envwrap commands'
    # Erase first, so that loading envwrap twice registers everything once.
    for cmd in workon mkvirtualenv mktmpenv mkproject cpvirtualenv rmvirtualenv showvirtualenv lsvirtualenv \
        cdvirtualenv cdsitepackages cdproject lssitepackages add2virtualenv toggleglobalsitepackages \
        wipeenv setvirtualenvproject allvirtualenv
        complete -c $cmd -e
    end

    complete -c workon -f -a '(__envwrap_names)'
    complete -c workon -s c -l cd -d 'cd to the project directory'
    complete -c workon -s n -l no-cd -d 'do not cd to the project directory'
    complete -c workon -s h -l help -d 'show help'

    for cmd in rmvirtualenv cpvirtualenv showvirtualenv toggleglobalsitepackages wipeenv lssitepackages
        complete -c $cmd -f -a '(__envwrap_names)'
        complete -c $cmd -s h -l help -d 'show help'
    end
    complete -c toggleglobalsitepackages -s q -d 'say nothing'
    complete -c lssitepackages -l path -d 'print the directory only'
    complete -c setvirtualenvproject -a '(__envwrap_names)'

    for cmd in mkvirtualenv mktmpenv mkproject
        complete -c $cmd -s a -r -F -d 'associate an existing project directory'
        complete -c $cmd -s i -x -d 'install a package after creating'
        complete -c $cmd -s r -r -F -d 'install a requirements file after creating'
        complete -c $cmd -s p -l python -r -F -d 'interpreter to base it on'
        complete -c $cmd -l creator -x -a 'auto venv uv virtualenv' -d 'how to create it'
        complete -c $cmd -l without-pip -l no-pip -d 'do not install pip'
        complete -c $cmd -l system-site-packages -d "give access to the base interpreter's packages"
        complete -c $cmd -l prompt -x -d 'prompt prefix'
        complete -c $cmd -s h -l help -d 'show help'
    end
    complete -c mkvirtualenv -f
    complete -c mktmpenv -f
    complete -c mktmpenv -s c -l cd -d "cd into the environment's directory (default)"
    complete -c mktmpenv -s n -l no-cd -d 'stay in this directory'
    complete -c mkproject -f
    complete -c mkproject -s f -l force -d 'use the project directory even if it exists'

    complete -c lsvirtualenv -f
    complete -c lsvirtualenv -s b -l brief -d 'names only'
    complete -c lsvirtualenv -s l -l long -d 'details for each environment'
    complete -c lsvirtualenv -l json -d 'details as JSON'

    complete -c cdvirtualenv -f -a '(__envwrap_complete_subdirs)'
    complete -c cdsitepackages -f -a '(__envwrap_complete_subdirs site)'
    complete -c cdproject -f
    complete -c add2virtualenv -s d -d 'remove the directories instead'
    complete -c allvirtualenv -x -a '(__fish_complete_subcommand)'
end
__envwrap_register_completions
