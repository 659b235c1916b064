"""`python -m simulator`: serve the simulated government systems on `settings.simulator_port`."""

import uvicorn

from config import get_settings
from simulator.app import create_app
from simulator.config import SimulatorConfig


def main() -> None:
    """Read `PMI_*` / `PMI_SIM_*` settings and serve until interrupted."""
    config = SimulatorConfig()
    uvicorn.run(create_app(config), host=config.host, port=get_settings().simulator_port)


if __name__ == "__main__":
    main()
