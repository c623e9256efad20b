"""Reports: the data a round's results page and PDF show, its charts, and the PDF itself.

Nothing here imports the web layer: a PDF can be made from the command line.
"""
