package org.streamiso.testnet;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * A JUnit 5 extension that hands the JVM-wide {@link PrivateTorNetwork} of {@link TorNetworks#shared()}
 * to any test, lifecycle method or constructor that declares a parameter of that type.
 *
 * <pre>{@code
 * @ExtendWith(TorNetworkExtension.class)
 * class FooIT {
 *     @Test
 *     void reachesWebThroughTor(PrivateTorNetwork tor) { ... }
 * }
 * }</pre>
 *
 * Where tor is not installed, the test is skipped (or fails, with {@code STREAMISO_REQUIRE_TOR=1}).
 */
public final class TorNetworkExtension implements ParameterResolver {

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == PrivateTorNetwork.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return TorNetworks.shared();
    }
}
