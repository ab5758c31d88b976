# The second half of `envwrap shell NAME` for zsh (see .zshenv beside it): give
# the user's ZDOTDIR back, read the user's .zshrc, load envwrap unless it did,
# and activate the environment with workon, so that every hook workon runs runs
# here too. If workon fails the shell exits with its status.

if (( ${+__envwrap_sub_zdotdir} )); then
    ZDOTDIR=$__envwrap_sub_zdotdir
else
    builtin unset ZDOTDIR
fi
builtin unset __envwrap_sub_zdotdir __envwrap_sub_dir
if [[ -f ${ZDOTDIR:-$HOME}/.zshrc ]]; then
    builtin source "${ZDOTDIR:-$HOME}/.zshrc"
fi
if (( ! ${+functions[__envwrap_call]} )); then
    builtin eval "$__envwrap_sub_load"
fi
builtin unset __envwrap_sub_load
if [[ -n $__envwrap_sub_env ]]; then
    workon "$__envwrap_sub_env" || builtin exit $?
fi
builtin unset __envwrap_sub_env
