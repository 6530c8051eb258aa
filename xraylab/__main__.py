"""`python -m xraylab` runs the `xraylab` command."""
from xraylab.commands import main

main()
