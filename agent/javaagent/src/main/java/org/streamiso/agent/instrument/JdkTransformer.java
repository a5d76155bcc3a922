package org.streamiso.agent.instrument;

import java.lang.instrument.ClassFileTransformer;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The agent's only ClassFileTransformer: rewrites the few JDK classes that hold a hook point and returns
 * every other class untouched after one map lookup.
 */
public final class JdkTransformer implements ClassFileTransformer {
    private final Map<String, List<HookPoint>> byClass = new HashMap<>();
    private final Set<HookPoint> applied = ConcurrentHashMap.newKeySet();
    private final Map<String, Throwable> failures = new ConcurrentHashMap<>();

    public JdkTransformer(List<HookPoint> points) {
        for (HookPoint p : points) {
            List<HookPoint> ofClass = byClass.get(p.className());
            if (ofClass == null) {
                ofClass = new ArrayList<>();
                byClass.put(p.className(), ofClass);
            }
            ofClass.add(p);
        }
    }

    /** The JDK classes to rewrite, in internal form. */
    public Set<String> classNames() {
        return byClass.keySet();
    }

    /** The hook points of one class. */
    public List<HookPoint> pointsOf(String className) {
        return byClass.getOrDefault(className, List.of());
    }

    /** Whether this hook point's method was found and rewritten. */
    public boolean isApplied(HookPoint point) {
        return applied.contains(point);
    }

    /** Why rewriting a class failed, or null. */
    public Throwable failureOf(String className) {
        return failures.get(className);
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String className, Class<?> classBeingRedefined,
            ProtectionDomain protectionDomain, byte[] classfileBuffer) {
        if (loader != null || className == null) {
            return null;
        }
        List<HookPoint> points = byClass.get(className);
        if (points == null) {
            return null;
        }
        try {
            return HookInjector.inject(classfileBuffer, points, applied);
        } catch (Throwable t) {
            // The JVM would drop this exception silently; premain reads it and stops the JVM.
            failures.put(className, t);
            return null;
        }
    }
}
