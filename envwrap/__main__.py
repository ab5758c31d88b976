from envwrap.cli.dispatch import main

raise SystemExit(main())
