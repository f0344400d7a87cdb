"""A blue/green release of the shop app on the local Docker engine, from Python.

`pulumi package add ../../provider` generates the `pulumi_bluegreen` SDK from
the component provider's schema and installs it into the virtualenv.
"""

import pulumi
import pulumi_bluegreen as bluegreen

shop = bluegreen.DockerBlueGreen(
    "shop",
    app={"name": "shop"},
    blue={"version": "1.3.0", "image": "shop:1.3.0"},
    green={"version": "1.4.0", "image": "shop:1.4.0"},
    # Same field names as the stack config: traffic.green here is bluegreen:traffic.green there.
    traffic={"blue": 90, "green": 10},
    gate_headers={"Authorization": pulumi.Output.secret("Bearer example-token")},
)

pulumi.export("url", shop.url)
pulumi.export("weights", shop.weights)
pulumi.export("gateVerdicts", shop.gate_verdicts)
