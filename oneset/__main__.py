from oneset.cli import main

main()
