"""The sandbox carrier: generates tracking numbers and, driven by an operator or a
test, pushes tracking events to the platform's webhook exactly as a real
aggregator would (signed, possibly repeated, possibly out of order). The carriers
package registers it; this module imports nothing of it, so the two form no cycle."""

from __future__ import annotations

import secrets


class SandboxCarrier:
    code = "sandbox"
    name = "Sandbox Express"

    def new_tracking_number(self) -> str:
        return "SB" + "".join(secrets.choice("0123456789") for _ in range(12))
