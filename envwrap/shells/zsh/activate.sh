# Activates this virtual environment: `. bin/activate` from bash or zsh.
# Written by envwrap; every value below is a single-quoted literal.

deactivate () {
    if [ -n "${_OLD_VIRTUAL_PATH:-}" ] ; then
        PATH="${_OLD_VIRTUAL_PATH:-}"
        export PATH
        unset _OLD_VIRTUAL_PATH
    fi
    if [ -n "${_OLD_VIRTUAL_PYTHONHOME:-}" ] ; then
        PYTHONHOME="${_OLD_VIRTUAL_PYTHONHOME:-}"
        export PYTHONHOME
        unset _OLD_VIRTUAL_PYTHONHOME
    fi
    hash -r 2> /dev/null
    if [ -n "${_OLD_VIRTUAL_PS1+x}" ] ; then
        PS1="${_OLD_VIRTUAL_PS1:-}"
        unset _OLD_VIRTUAL_PS1
    fi
    unset VIRTUAL_ENV
    unset VIRTUAL_ENV_PROMPT
    if [ ! "${1:-}" = "nondestructive" ] ; then
        unset -f deactivate
    fi
}

# Undo any environment that is active now.
deactivate nondestructive

VIRTUAL_ENV=__ENVWRAP_VENV_DIR__
export VIRTUAL_ENV

_OLD_VIRTUAL_PATH="$PATH"
PATH=__ENVWRAP_BIN_DIR__":$PATH"
export PATH

if [ -n "${PYTHONHOME:-}" ] ; then
    _OLD_VIRTUAL_PYTHONHOME="${PYTHONHOME:-}"
    unset PYTHONHOME
fi

VIRTUAL_ENV_PROMPT=__ENVWRAP_VENV_PROMPT__
export VIRTUAL_ENV_PROMPT
# Decorate the prompt only where there is one (an interactive shell).
if [ -z "${VIRTUAL_ENV_DISABLE_PROMPT:-}" ] && [ -n "${PS1+x}" ] ; then
    _OLD_VIRTUAL_PS1="${PS1:-}"
    PS1=__ENVWRAP_PROMPT__"${PS1:-}"
fi

hash -r 2> /dev/null
