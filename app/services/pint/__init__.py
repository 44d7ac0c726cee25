"""DCSA PINT 3.0.0: this hub as an eBL platform that receives envelope transfers."""
