package org.streamiso.agent.instrument;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.Label;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import net.bytebuddy.jar.asm.Type;

/**
 * Rewrites one JDK class so that each {@link HookPoint} method starts with a call to its hook. Built on
 * byte-buddy's relocated ASM, driven from a plain ClassFileTransformer: byte-buddy's AgentBuilder loads
 * about a thousand classes, which costs 0.6-0.8 s of start-up here, for work this class does with thirty.
 *
 * <p>The injected code loads the chosen arguments, calls the static hook and, for routing hooks, returns
 * early when the hook connected through the SocksPort itself. It adds no fields, methods or locals, so
 * retransformation of classes loaded before premain is allowed, and it never catches anything: an
 * exception from a hook stops the JDK method before its direct connect.
 */
public final class HookInjector {
    private HookInjector() {
    }

    /**
     * Returns the rewritten class, adding to {@code applied} each hook point that was found.
     *
     * @param classBytes the class file
     * @param points     the hook points of this class
     * @param applied    receives the points whose method was found and rewritten
     */
    public static byte[] inject(byte[] classBytes, List<HookPoint> points, Set<HookPoint> applied) {
        ClassReader reader = new ClassReader(classBytes);
        ClassWriter writer = new ClassWriter(reader, ClassWriter.COMPUTE_MAXS);
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                    String[] exceptions) {
                MethodVisitor mv = super.visitMethod(access, name, descriptor, signature, exceptions);
                for (HookPoint point : points) {
                    if (point.methodName().equals(name) && point.descriptor().equals(descriptor)) {
                        applied.add(point);
                        return new EntryHook(mv, access, point);
                    }
                }
                return mv;
            }
        }, ClassReader.EXPAND_FRAMES);
        return writer.toByteArray();
    }

    /** Emits the hook call at the start of the method's code. */
    private static final class EntryHook extends MethodVisitor {
        private final int access;
        private final HookPoint point;
        /** The frame at the first original instruction, emitted unless the method brings its own there. */
        private Object[] pendingLocals;

        EntryHook(MethodVisitor mv, int access, HookPoint point) {
            super(Opcodes.ASM9, mv);
            this.access = access;
            this.point = point;
        }

        @Override
        public void visitCode() {
            super.visitCode();
            if (point.kind() == HookPoint.Kind.FILTER_RETURN || point.kind() == HookPoint.Kind.CALL_AT_EXIT) {
                return; // at each return, below
            }
            callHook();
        }

        /** Loads the hook's slots and calls it. */
        private void callHook() {
            Type[] parameters = Type.getArgumentTypes(point.descriptor());
            boolean isStatic = (access & Opcodes.ACC_STATIC) != 0;
            for (int slot : point.slots()) {
                Type type = slot == 0 && !isStatic ? Type.getObjectType(point.className())
                        : parameters[parameterIndexOf(slot, parameters, isStatic)];
                super.visitVarInsn(type.getOpcode(Opcodes.ILOAD), slot);
            }
            super.visitMethodInsn(Opcodes.INVOKESTATIC, point.hookOwnerName(), point.hookName(),
                    point.hookDescriptor(), false);
            if (point.kind() == HookPoint.Kind.CALL_AT_EXIT) {
                return;
            }
            Object[] locals = entryLocals(parameters, isStatic);
            Label proceed = new Label();
            switch (point.kind()) {
                case CALL:
                    break;
                case SKIP_IF_TRUE:
                    super.visitJumpInsn(Opcodes.IFEQ, proceed);
                    Type returnType = Type.getReturnType(point.descriptor());
                    if (returnType.getSort() == Type.BOOLEAN) {
                        super.visitInsn(Opcodes.ICONST_1);
                        super.visitInsn(Opcodes.IRETURN);
                    } else {
                        super.visitInsn(Opcodes.RETURN);
                    }
                    super.visitLabel(proceed);
                    pendingLocals = locals;
                    break;
                case RETURN_IF_NOT_NEGATIVE:
                    super.visitInsn(Opcodes.DUP);
                    super.visitJumpInsn(Opcodes.IFLT, proceed);
                    super.visitInsn(Opcodes.IRETURN);
                    super.visitLabel(proceed);
                    super.visitFrame(Opcodes.F_NEW, locals.length, locals, 1, new Object[] {Opcodes.INTEGER});
                    super.visitInsn(Opcodes.POP);
                    break;
                case REPLACE_ARG:
                    int[] slots = point.slots();
                    super.visitVarInsn(Opcodes.ASTORE, slots[slots.length - 1]);
                    break;
                case RETURN_IF_NONNULL:
                    super.visitInsn(Opcodes.DUP);
                    super.visitJumpInsn(Opcodes.IFNULL, proceed);
                    super.visitInsn(Opcodes.ARETURN);
                    super.visitLabel(proceed);
                    super.visitFrame(Opcodes.F_NEW, locals.length, locals, 1,
                            new Object[] {Type.getReturnType(point.hookDescriptor()).getInternalName()});
                    super.visitInsn(Opcodes.POP);
                    break;
                default:
                    throw new IllegalStateException(point.kind().toString());
            }
        }

        private static int parameterIndexOf(int slot, Type[] parameters, boolean isStatic) {
            int at = isStatic ? 0 : 1;
            for (int i = 0; i < parameters.length; i++) {
                if (at == slot) {
                    return i;
                }
                at += parameters[i].getSize();
            }
            throw new IllegalArgumentException("slot: " + slot + " (expected: the slot of a parameter)");
        }

        private Object[] entryLocals(Type[] parameters, boolean isStatic) {
            List<Object> locals = new ArrayList<>();
            if (!isStatic) {
                locals.add(point.className());
            }
            for (Type t : parameters) {
                switch (t.getSort()) {
                    case Type.BOOLEAN: case Type.BYTE: case Type.CHAR: case Type.SHORT: case Type.INT:
                        locals.add(Opcodes.INTEGER);
                        break;
                    case Type.LONG: locals.add(Opcodes.LONG); break;
                    case Type.FLOAT: locals.add(Opcodes.FLOAT); break;
                    case Type.DOUBLE: locals.add(Opcodes.DOUBLE); break;
                    default: locals.add(t.getSort() == Type.ARRAY ? t.getDescriptor() : t.getInternalName());
                }
            }
            return locals.toArray();
        }

        /** The method's own frame at its first instruction replaces ours: both describe the entry state. */
        @Override
        public void visitFrame(int type, int numLocal, Object[] local, int numStack, Object[] stack) {
            pendingLocals = null;
            super.visitFrame(type, numLocal, local, numStack, stack);
        }

        private void flushFrame() {
            if (pendingLocals != null) {
                Object[] locals = pendingLocals;
                pendingLocals = null;
                super.visitFrame(Opcodes.F_NEW, locals.length, locals, 0, new Object[0]);
            }
        }

        @Override public void visitInsn(int opcode) {
            flushFrame();
            if (opcode == Opcodes.ARETURN && point.kind() == HookPoint.Kind.FILTER_RETURN) {
                super.visitMethodInsn(Opcodes.INVOKESTATIC, point.hookOwnerName(), point.hookName(),
                        point.hookDescriptor(), false);
            } else if (opcode == Opcodes.RETURN && point.kind() == HookPoint.Kind.CALL_AT_EXIT) {
                callHook();
            }
            super.visitInsn(opcode);
        }
        @Override public void visitIntInsn(int opcode, int operand) { flushFrame(); super.visitIntInsn(opcode, operand); }
        @Override public void visitVarInsn(int opcode, int var) { flushFrame(); super.visitVarInsn(opcode, var); }
        @Override public void visitTypeInsn(int opcode, String type) { flushFrame(); super.visitTypeInsn(opcode, type); }
        @Override public void visitFieldInsn(int opcode, String owner, String name, String descriptor) {
            flushFrame();
            super.visitFieldInsn(opcode, owner, name, descriptor);
        }
        @Override public void visitMethodInsn(int opcode, String owner, String name, String descriptor, boolean itf) {
            flushFrame();
            super.visitMethodInsn(opcode, owner, name, descriptor, itf);
        }
        @Override public void visitInvokeDynamicInsn(String name, String descriptor, net.bytebuddy.jar.asm.Handle bsm,
                Object... bsmArgs) {
            flushFrame();
            super.visitInvokeDynamicInsn(name, descriptor, bsm, bsmArgs);
        }
        @Override public void visitJumpInsn(int opcode, Label label) { flushFrame(); super.visitJumpInsn(opcode, label); }
        @Override public void visitLdcInsn(Object value) { flushFrame(); super.visitLdcInsn(value); }
        @Override public void visitIincInsn(int var, int increment) { flushFrame(); super.visitIincInsn(var, increment); }
        @Override public void visitTableSwitchInsn(int min, int max, Label dflt, Label... labels) {
            flushFrame();
            super.visitTableSwitchInsn(min, max, dflt, labels);
        }
        @Override public void visitLookupSwitchInsn(Label dflt, int[] keys, Label[] labels) {
            flushFrame();
            super.visitLookupSwitchInsn(dflt, keys, labels);
        }
        @Override public void visitMultiANewArrayInsn(String descriptor, int numDimensions) {
            flushFrame();
            super.visitMultiANewArrayInsn(descriptor, numDimensions);
        }
    }
}
