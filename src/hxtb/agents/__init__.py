"""Bus agents of hx_top: one bus object per interface (signal handles looked up once), shared by
the driver and the passive monitor; monitors publish completed transactions on pyuvm analysis
ports (``ap``).

- ``axil``: AXI4-Lite register port (``s_axil_*``): ``AxiLiteBus``, ``AxilAgent`` (driver: a
  lean single-access master, or cocotbext-axi's ``AxiLiteMaster`` for back-pressure and skew),
  ``AxilMonitor`` (-> ``RegAccess``).
- ``vport``: vector port (``vreq_*``/``vrsp_*``): ``VportBus``, ``VectorPortDriver``,
  ``VectorPortMonitor`` (-> ``VecTxn``).
"""
