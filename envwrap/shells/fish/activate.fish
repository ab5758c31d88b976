# Activates this virtual environment: `source bin/activate.fish` from fish.
# Written by envwrap; every value below is a quoted literal. `deactivate` undoes
# it (`deactivate nondestructive` keeps the function itself).

function deactivate --description 'Leave this virtual environment'
    if set -q _OLD_VIRTUAL_PATH
        set -gx PATH $_OLD_VIRTUAL_PATH
        set -e _OLD_VIRTUAL_PATH
    end
    if set -q _OLD_VIRTUAL_PYTHONHOME
        set -gx PYTHONHOME $_OLD_VIRTUAL_PYTHONHOME
        set -e _OLD_VIRTUAL_PYTHONHOME
    end
    if set -q _OLD_FISH_PROMPT_OVERRIDE
        set -e _OLD_FISH_PROMPT_OVERRIDE
        if functions -q _old_fish_prompt
            # An empty function path: once erased, fish_prompt must not be
            # autoloaded again before the saved one is copied back.
            set -l fish_function_path
            functions -e fish_prompt
            functions -c _old_fish_prompt fish_prompt
            functions -e _old_fish_prompt
        end
    end
    set -e VIRTUAL_ENV
    set -e VIRTUAL_ENV_PROMPT
    if test "$argv[1]" != nondestructive
        functions -e deactivate
    end
end

# Undo any environment that is active now.
deactivate nondestructive

set -gx VIRTUAL_ENV __ENVWRAP_VENV_DIR__

set -g _OLD_VIRTUAL_PATH $PATH
set -gx PATH __ENVWRAP_BIN_DIR__ $PATH

if set -q PYTHONHOME
    set -g _OLD_VIRTUAL_PYTHONHOME $PYTHONHOME
    set -e PYTHONHOME
end

set -gx VIRTUAL_ENV_PROMPT __ENVWRAP_VENV_PROMPT__

if test -z "$VIRTUAL_ENV_DISABLE_PROMPT"
    # Keep the current prompt as _old_fish_prompt and show the name before it.
    functions -e _old_fish_prompt
    if functions -q fish_prompt
        functions -c fish_prompt _old_fish_prompt
    else
        function _old_fish_prompt
        end
    end
    function fish_prompt --description 'Write out the prompt, after the name of the virtual environment'
        set -l previous_status $status
        printf '%s' __ENVWRAP_PROMPT__
        # Give the saved prompt the status it would have seen.
        printf 'exit %d\n' $previous_status | source
        _old_fish_prompt
    end
    set -g _OLD_FISH_PROMPT_OVERRIDE $VIRTUAL_ENV
end
