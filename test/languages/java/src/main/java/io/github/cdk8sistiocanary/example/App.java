package io.github.cdk8sistiocanary.example;

import java.util.List;
import java.util.Map;

import io.github.cdk8sistiocanary.CanaryService;
import io.github.cdk8sistiocanary.Match;
import io.github.cdk8sistiocanary.MeshGateway;
import io.github.cdk8sistiocanary.RouteOptions;
import io.github.cdk8sistiocanary.VersionProps;
import org.cdk8s.AppProps;
import org.cdk8s.Chart;
import org.cdk8s.ChartProps;

/**
 * The README's release ("A release in a few lines") in Java, as a user of the Maven package writes it.
 * <pre>
 *   App OUTDIR             writes OUTDIR/bookinfo.k8s.yaml, byte-identical to test/languages/reference.ts
 *   REFUSE=1 App OUTDIR    weights adding to 110: prints the exception's type and message, exits 3
 * </pre>
 */
public final class App {
    private App() {}

    static org.cdk8s.App build(final String outdir, final boolean refuse) {
        org.cdk8s.App app = new org.cdk8s.App(AppProps.builder().outdir(outdir).build());
        Chart chart = new Chart(app, "bookinfo", ChartProps.builder().namespace("bookinfo").build());

        CanaryService reviews = CanaryService.Builder.create(chart, "reviews")
                .port(9080)
                .versions(List.of(
                        VersionProps.builder().name("v1").image("registry.istio.io/release/examples-bookinfo-reviews-v1:1.20.3").build(),
                        VersionProps.builder().name("v2").image("registry.istio.io/release/examples-bookinfo-reviews-v2:1.20.3").replicas(1).build(),
                        VersionProps.builder().name("v3").image("registry.istio.io/release/examples-bookinfo-reviews-v3:1.20.3").build()))
                .weights(Map.of("v1", 50, "v2", 10, "v3", 40))
                .build();
        reviews.routeHeader("end-user", "jason", "v2");
        reviews.addRoute(RouteOptions.builder()
                .name("beta")
                .match(List.of(Match.headerPrefix("version", "2")))
                .to(Map.of("v2", 50, "v3", 50))
                .build());
        reviews.shiftWeights(refuse ? Map.<String, Number>of("v1", 90, "v2", 20) : Map.<String, Number>of("v1", 90, "v3", 10));

        MeshGateway gateway = MeshGateway.Builder.create(chart, "bookinfo-gateway")
                .hosts(List.of("reviews.example.com"))
                .build();
        reviews.exposeVia(gateway);
        return app;
    }

    public static void main(final String[] args) {
        String outdir = args.length > 0 ? args[0] : "dist/languages/java";
        boolean refuse = "1".equals(System.getenv("REFUSE"));
        if (!refuse) {
            build(outdir, false).synth();
            return;
        }
        try {
            build(outdir, true).synth();
        } catch (RuntimeException e) { // jsii throws a plain RuntimeException for an error in the library (JsiiError only for its own faults)
            System.out.println("REFUSED " + e.getClass().getName() + ": " + e.getMessage());
            System.exit(3);
        }
        System.out.println("NOT REFUSED");
        System.exit(4);
    }
}
