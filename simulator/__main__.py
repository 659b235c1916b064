"""`python -m simulator`: serve the simulated government systems on `settings.simulator_port`."""

import uvicorn

from config import get_settings
from simulator.app import create_app
from simulator.config import SimulatorConfig
from tracing import configure_tracing, instrument_app


def main() -> None:
    """Read `PMI_*` / `PMI_SIM_*` settings and serve until interrupted."""
    config = SimulatorConfig()
    settings = get_settings()
    # Traced like the real systems' gateways would be: the activities' calls arrive with their trace.
    configure_tracing(settings, "simulator")
    app = create_app(config)
    instrument_app(app)
    uvicorn.run(app, host=config.host, port=settings.simulator_port)


if __name__ == "__main__":
    main()
