"""The README's release ("A release in a few lines") in Python, as a user of the cdk8s-istio-canary wheel writes it.

    python app.py OUTDIR             # writes OUTDIR/bookinfo.k8s.yaml, byte-identical to test/languages/reference.ts
    REFUSE=1 python app.py OUTDIR    # weights adding to 110: prints the exception's type and message, exits 3
"""
import os
import sys

from cdk8s import App, Chart
from cdk8s_istio_canary import CanaryService, Match, MeshGateway, VersionProps

outdir = sys.argv[1] if len(sys.argv) > 1 else "dist/languages/python"
refuse = os.environ.get("REFUSE") == "1"


def build() -> App:
    app = App(outdir=outdir)
    chart = Chart(app, "bookinfo", namespace="bookinfo")

    reviews = CanaryService(
        chart,
        "reviews",
        port=9080,
        versions=[
            VersionProps(name="v1", image="registry.istio.io/release/examples-bookinfo-reviews-v1:1.20.3"),
            VersionProps(name="v2", image="registry.istio.io/release/examples-bookinfo-reviews-v2:1.20.3", replicas=1),
            VersionProps(name="v3", image="registry.istio.io/release/examples-bookinfo-reviews-v3:1.20.3"),
        ],
        weights={"v1": 50, "v2": 10, "v3": 40},
    )
    reviews.route_header("end-user", "jason", "v2")
    reviews.add_route(name="beta", match=[Match.header_prefix("version", "2")], to={"v2": 50, "v3": 50})
    reviews.shift_weights({"v1": 90, "v2": 20} if refuse else {"v1": 90, "v3": 10})

    gateway = MeshGateway(chart, "bookinfo-gateway", hosts=["reviews.example.com"])
    reviews.expose_via(gateway)
    return app


if refuse:
    try:
        build().synth()
    except RuntimeError as e:  # what jsii raises for an error thrown in the library (jsii.errors.JSIIError is not)
        print(f"REFUSED {type(e).__qualname__}: {e}")
        sys.exit(3)
    print("NOT REFUSED")
    sys.exit(4)
else:
    build().synth()
