# Read by the interactive zsh that `envwrap shell NAME` starts: envwrap points
# ZDOTDIR here, so that zsh reads this file instead of the user's .zshenv and the
# .zshrc beside it instead of the user's .zshrc. This one reads the user's .zshenv
# with the user's ZDOTDIR in place (ENVWRAP_SHELL_ZDOTDIR, when it was set), notes
# the ZDOTDIR it leaves (a .zshenv may choose one), and points ZDOTDIR back here
# for the .zshrc.

__envwrap_sub_dir=$ZDOTDIR
__envwrap_sub_env=${ENVWRAP_SHELL_ENV-}
__envwrap_sub_load=${ENVWRAP_SHELL_LOAD-}
if (( ${+ENVWRAP_SHELL_ZDOTDIR} )); then
    ZDOTDIR=$ENVWRAP_SHELL_ZDOTDIR
else
    builtin unset ZDOTDIR
fi
builtin unset ENVWRAP_SHELL_ENV ENVWRAP_SHELL_LOAD ENVWRAP_SHELL_ZDOTDIR
if [[ -f ${ZDOTDIR:-$HOME}/.zshenv ]]; then
    builtin source "${ZDOTDIR:-$HOME}/.zshenv"
fi
if (( ${+ZDOTDIR} )); then
    __envwrap_sub_zdotdir=$ZDOTDIR
fi
ZDOTDIR=$__envwrap_sub_dir
