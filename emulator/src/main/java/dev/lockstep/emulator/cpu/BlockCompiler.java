// Translates hot decoded blocks into JVM bytecode, so the JIT compiles guest code without a dispatch loop.
package dev.lockstep.emulator.cpu;

import static org.objectweb.asm.Opcodes.*;

import dev.lockstep.emulator.isa.Insn;
import java.lang.invoke.MethodHandles;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;

/**
 * Block translation. A block that has run often becomes a hidden class whose {@code run} method is the
 * block's instructions as straight-line bytecode: registers stay in the hart's array, x0 reads fold to
 * 0, writes to x0 vanish, and everything outside the common integer set calls back into the hart's own
 * implementation ({@code executeRare}), so the two paths share one definition of every instruction.
 *
 * <p>Semantics are those of the interpreter, instruction for instruction: {@code pos} is set before every
 * instruction that can trap or touch a device, a store that ends the block (code write, device access)
 * leaves right after itself, and a translated block only runs when the budget covers all of it. Which
 * blocks are translated is therefore unobservable to the guest (DESIGN §1).
 */
final class BlockCompiler {
    /** A translated block. */
    interface Compiled {
        void run(Hart h, long[] x, long base, Insn[] code);
    }

    static final boolean ENABLED = !"false".equals(System.getProperty("lockstep.jit"));
    /**
     * Runs of a block in the interpreter before it is translated (-Dlockstep.jit.threshold=N to measure
     * another). A translated block pays ASM, a class definition, HotSpot's interpreter for its first few
     * hundred runs and then HotSpot's compilers, so it gains only if it runs thousands of times more. Linux's
     * boot shows the cost of translating earlier: when a block was translated after 24 runs within 128K
     * instructions or 1,024 in all, 2,106 blocks were, 1,432 of which then ran fewer than 1,000 times (4.5%
     * of the translated blocks' runs). At 4,096, with the launcher's -XX:PerMethodTrapLimit=1, the boot took
     * 2.5 s where it had taken 4.05 s; `bench`, whose loops run millions of times, ~8% longer (docs/linux.md).
     */
    static final int THRESHOLD = Integer.getInteger("lockstep.jit.threshold", 4096);

    private static final String HART = "dev/lockstep/emulator/cpu/Hart";
    private static final String INSN = "dev/lockstep/emulator/isa/Insn";
    private static final String COMPILED = "dev/lockstep/emulator/cpu/BlockCompiler$Compiled";
    private static final String RUN_DESC = "(L" + HART + ";[JJ[L" + INSN + ";)V";
    private static final int H = 1, X = 2, BASE = 3, CODE = 5, TMP = 6;
    private static final MethodHandles.Lookup LOOKUP = MethodHandles.lookup();

    private BlockCompiler() {}

    /** Translates {@code b}, or returns null if it cannot (the interpreter keeps running it). */
    static Compiled compile(Block b) {
        try {
            byte[] bytes = generate(b.insns);
            Class<?> c = LOOKUP.defineHiddenClass(bytes, true).lookupClass();
            return (Compiled) c.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return null;
        }
    }

    static byte[] generate(Insn[] code) {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_FRAMES | ClassWriter.COMPUTE_MAXS);
        cw.visit(V17, ACC_FINAL | ACC_SUPER, "dev/lockstep/emulator/cpu/TranslatedBlock", null, "java/lang/Object",
                new String[] {COMPILED});
        MethodVisitor init = cw.visitMethod(ACC_PUBLIC, "<init>", "()V", null, null);
        init.visitCode();
        init.visitVarInsn(ALOAD, 0);
        init.visitMethodInsn(INVOKESPECIAL, "java/lang/Object", "<init>", "()V", false);
        init.visitInsn(RETURN);
        init.visitMaxs(0, 0);
        init.visitEnd();
        MethodVisitor mv = cw.visitMethod(ACC_PUBLIC, "run", RUN_DESC, null, null);
        mv.visitCode();
        Label start = new Label();
        mv.visitLabel(start);
        Loop loop = new Loop(start, code.length);
        for (int i = 0; i < code.length; i++) emit(mv, code[i], i, loop);
        Insn last = code[code.length - 1];
        leave(mv, last.next, code.length);
        mv.visitInsn(RETURN);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
        cw.visitEnd();
        return cw.toByteArray();
    }

    private static void pushX(MethodVisitor mv, int r) {
        if (r == 0) {
            mv.visitInsn(LCONST_0);
            return;
        }
        mv.visitVarInsn(ALOAD, X);
        mv.visitLdcInsn(r);
        mv.visitInsn(LALOAD);
    }

    private static void pushPc(MethodVisitor mv, long offset) {
        mv.visitVarInsn(LLOAD, BASE);
        mv.visitLdcInsn(offset);
        mv.visitInsn(LADD);
    }

    /** Stores the long on the stack into x[rd] (the value was computed after pushing the array and index). */
    private static void beginStore(MethodVisitor mv, int rd) {
        mv.visitVarInsn(ALOAD, X);
        mv.visitLdcInsn(rd);
    }

    private static void setPos(MethodVisitor mv, int i) {
        mv.visitVarInsn(ALOAD, H);
        mv.visitLdcInsn(i);
        mv.visitFieldInsn(PUTFIELD, HART, "pos", "I");
    }

    /** h.leave(base + nextOffset, retired); — the caller emits the RETURN. */
    private static void leave(MethodVisitor mv, long nextOffset, int retired) {
        mv.visitVarInsn(ALOAD, H);
        pushPc(mv, nextOffset);
        mv.visitLdcInsn(retired);
        mv.visitMethodInsn(INVOKEVIRTUAL, HART, "leave", "(JI)V", false);
    }

    private static void leaveTo(MethodVisitor mv, int retired) {
        // target pc is on the stack as a long
        mv.visitVarInsn(LSTORE, TMP);
        mv.visitVarInsn(ALOAD, H);
        mv.visitVarInsn(LLOAD, TMP);
        mv.visitLdcInsn(retired);
        mv.visitMethodInsn(INVOKEVIRTUAL, HART, "leave", "(JI)V", false);
        mv.visitInsn(RETURN);
    }

    private static void binary(MethodVisitor mv, Insn in, int opcode) {
        if (in.rd == Insn.SINK) return;
        beginStore(mv, in.rd);
        pushX(mv, in.rs1);
        pushX(mv, in.rs2);
        mv.visitInsn(opcode);
        mv.visitInsn(LASTORE);
    }

    private static void immediate(MethodVisitor mv, Insn in, int opcode) {
        if (in.rd == Insn.SINK) return;
        beginStore(mv, in.rd);
        pushX(mv, in.rs1);
        mv.visitLdcInsn(in.imm);
        mv.visitInsn(opcode);
        mv.visitInsn(LASTORE);
    }

    private static void shiftImm(MethodVisitor mv, Insn in, int opcode) {
        if (in.rd == Insn.SINK) return;
        beginStore(mv, in.rd);
        pushX(mv, in.rs1);
        mv.visitLdcInsn((int) in.imm);
        mv.visitInsn(opcode);
        mv.visitInsn(LASTORE);
    }

    private static void shiftReg(MethodVisitor mv, Insn in, int opcode) {
        if (in.rd == Insn.SINK) return;
        beginStore(mv, in.rd);
        pushX(mv, in.rs1);
        pushX(mv, in.rs2);
        mv.visitInsn(L2I);
        mv.visitInsn(opcode);
        mv.visitInsn(LASTORE);
    }

    /** 32-bit operation: both operands truncated, result sign-extended. */
    private static void word(MethodVisitor mv, Insn in, int intOpcode, boolean immediate) {
        if (in.rd == Insn.SINK) return;
        beginStore(mv, in.rd);
        pushX(mv, in.rs1);
        mv.visitInsn(L2I);
        if (immediate) mv.visitLdcInsn((int) in.imm);
        else {
            pushX(mv, in.rs2);
            mv.visitInsn(L2I);
        }
        mv.visitInsn(intOpcode);
        mv.visitInsn(I2L);
        mv.visitInsn(LASTORE);
    }

    private static void helper(MethodVisitor mv, Insn in, String owner, String name) {
        if (in.rd == Insn.SINK) return;
        beginStore(mv, in.rd);
        pushX(mv, in.rs1);
        pushX(mv, in.rs2);
        mv.visitMethodInsn(INVOKESTATIC, owner, name, "(JJ)J", false);
        mv.visitInsn(LASTORE);
    }

    private static void compareToBit(MethodVisitor mv) {
        // lcmp or compare gives -1/0/1; the sign bit is 1 exactly when a < b
        mv.visitLdcInsn(31);
        mv.visitInsn(IUSHR);
        mv.visitInsn(I2L);
    }

    private static void load(MethodVisitor mv, Insn in, int i, String method, long mask) {
        setPos(mv, i);
        if (in.rd != Insn.SINK) beginStore(mv, in.rd);
        mv.visitVarInsn(ALOAD, H);
        pushX(mv, in.rs1);
        mv.visitLdcInsn(in.imm);
        mv.visitInsn(LADD);
        mv.visitMethodInsn(INVOKEVIRTUAL, HART, method, "(J)J", false);
        if (in.rd == Insn.SINK) {
            mv.visitInsn(POP2);
            return;
        }
        if (mask != 0) {
            mv.visitLdcInsn(mask);
            mv.visitInsn(LAND);
        }
        mv.visitInsn(LASTORE);
    }

    private static void store(MethodVisitor mv, Insn in, int i, String method) {
        setPos(mv, i);
        mv.visitVarInsn(ALOAD, H);
        pushX(mv, in.rs1);
        mv.visitLdcInsn(in.imm);
        mv.visitInsn(LADD);
        pushX(mv, in.rs2);
        mv.visitMethodInsn(INVOKEVIRTUAL, HART, method, "(JJ)V", false);
        exitCheck(mv, in, i);
    }

    /** After an instruction that may end the block early: leave if the hart asked for it. */
    private static void exitCheck(MethodVisitor mv, Insn in, int i) {
        Label go = new Label();
        mv.visitVarInsn(ALOAD, H);
        mv.visitFieldInsn(GETFIELD, HART, "exitBlock", "Z");
        mv.visitJumpInsn(IFEQ, go);
        leave(mv, in.next, i + 1);
        mv.visitInsn(RETURN);
        mv.visitLabel(go);
    }

    /** The block's start and length: a branch back to the start loops here. */
    private record Loop(Label start, int length) {}

    private static void branch(MethodVisitor mv, Insn in, int i, boolean unsigned, int takenIf, Loop loop) {
        Label notTaken = new Label();
        pushX(mv, in.rs1);
        pushX(mv, in.rs2);
        if (unsigned) mv.visitMethodInsn(INVOKESTATIC, "java/lang/Long", "compareUnsigned", "(JJ)I", false);
        else mv.visitInsn(LCMP);
        mv.visitJumpInsn(invert(takenIf), notTaken);
        if (in.off + in.imm == 0) {
            // A loop that starts the block (memcpy, strlen, checksums): h.again retires this iteration and says
            // whether the run loop would run the whole block again at once, without a look at interrupts,
            // timers or the budget in between; if so, go round here instead of returning to the run loop for it.
            mv.visitVarInsn(ALOAD, H);
            mv.visitLdcInsn(i + 1);
            mv.visitLdcInsn(loop.length());
            mv.visitMethodInsn(INVOKEVIRTUAL, HART, "again", "(II)Z", false);
            mv.visitJumpInsn(IFNE, loop.start());
            leave(mv, 0, 0); // the iterations are retired: continue at the block's start
            mv.visitInsn(RETURN);
        } else {
            pushPc(mv, in.off + in.imm);
            leaveTo(mv, i + 1);
        }
        mv.visitLabel(notTaken);
    }

    private static int invert(int cond) {
        return switch (cond) {
            case IFEQ -> IFNE;
            case IFNE -> IFEQ;
            case IFLT -> IFGE;
            case IFGE -> IFLT;
            default -> throw new IllegalArgumentException();
        };
    }

    private static void emit(MethodVisitor mv, Insn in, int i, Loop loop) {
        switch (in.op) {
            case LUI -> {
                if (in.rd == Insn.SINK) return;
                beginStore(mv, in.rd);
                mv.visitLdcInsn(in.imm);
                mv.visitInsn(LASTORE);
            }
            case AUIPC -> {
                if (in.rd == Insn.SINK) return;
                beginStore(mv, in.rd);
                pushPc(mv, in.off + in.imm);
                mv.visitInsn(LASTORE);
            }
            case JAL -> {
                if (in.rd != Insn.SINK) {
                    beginStore(mv, in.rd);
                    pushPc(mv, in.next);
                    mv.visitInsn(LASTORE);
                }
                pushPc(mv, in.off + in.imm);
                leaveTo(mv, i + 1);
            }
            case JALR -> {
                pushX(mv, in.rs1);
                mv.visitLdcInsn(in.imm);
                mv.visitInsn(LADD);
                mv.visitLdcInsn(~1L);
                mv.visitInsn(LAND);
                mv.visitVarInsn(LSTORE, TMP + 2);
                if (in.rd != Insn.SINK) {
                    beginStore(mv, in.rd);
                    pushPc(mv, in.next);
                    mv.visitInsn(LASTORE);
                }
                mv.visitVarInsn(LLOAD, TMP + 2);
                leaveTo(mv, i + 1);
            }
            case BEQ -> branch(mv, in, i, false, IFEQ, loop);
            case BNE -> branch(mv, in, i, false, IFNE, loop);
            case BLT -> branch(mv, in, i, false, IFLT, loop);
            case BGE -> branch(mv, in, i, false, IFGE, loop);
            case BLTU -> branch(mv, in, i, true, IFLT, loop);
            case BGEU -> branch(mv, in, i, true, IFGE, loop);
            case LB -> load(mv, in, i, "load8", 0);
            case LH -> load(mv, in, i, "load16", 0);
            case LW -> load(mv, in, i, "load32", 0);
            case LD -> load(mv, in, i, "load64", 0);
            case LBU -> load(mv, in, i, "load8", 0xffL);
            case LHU -> load(mv, in, i, "load16", 0xffffL);
            case LWU -> load(mv, in, i, "load32", 0xffffffffL);
            case SB -> store(mv, in, i, "store8");
            case SH -> store(mv, in, i, "store16");
            case SW -> store(mv, in, i, "store32");
            case SD -> store(mv, in, i, "store64");
            case ADDI -> immediate(mv, in, LADD);
            case XORI -> immediate(mv, in, LXOR);
            case ORI -> immediate(mv, in, LOR);
            case ANDI -> immediate(mv, in, LAND);
            case SLTI, SLTIU -> {
                if (in.rd == Insn.SINK) return;
                beginStore(mv, in.rd);
                pushX(mv, in.rs1);
                mv.visitLdcInsn(in.imm);
                if (in.op == dev.lockstep.emulator.isa.Op.SLTIU) {
                    mv.visitMethodInsn(INVOKESTATIC, "java/lang/Long", "compareUnsigned", "(JJ)I", false);
                } else mv.visitInsn(LCMP);
                compareToBit(mv);
                mv.visitInsn(LASTORE);
            }
            case SLLI -> shiftImm(mv, in, LSHL);
            case SRLI -> shiftImm(mv, in, LUSHR);
            case SRAI -> shiftImm(mv, in, LSHR);
            case ADD -> binary(mv, in, LADD);
            case SUB -> binary(mv, in, LSUB);
            case XOR -> binary(mv, in, LXOR);
            case OR -> binary(mv, in, LOR);
            case AND -> binary(mv, in, LAND);
            case MUL -> binary(mv, in, LMUL);
            case SLL -> shiftReg(mv, in, LSHL);
            case SRL -> shiftReg(mv, in, LUSHR);
            case SRA -> shiftReg(mv, in, LSHR);
            case SLT, SLTU -> {
                if (in.rd == Insn.SINK) return;
                beginStore(mv, in.rd);
                pushX(mv, in.rs1);
                pushX(mv, in.rs2);
                if (in.op == dev.lockstep.emulator.isa.Op.SLTU) {
                    mv.visitMethodInsn(INVOKESTATIC, "java/lang/Long", "compareUnsigned", "(JJ)I", false);
                } else mv.visitInsn(LCMP);
                compareToBit(mv);
                mv.visitInsn(LASTORE);
            }
            case ADDIW -> word(mv, in, IADD, true);
            case SLLIW -> word(mv, in, ISHL, true);
            case SRLIW -> word(mv, in, IUSHR, true);
            case SRAIW -> word(mv, in, ISHR, true);
            case ADDW -> word(mv, in, IADD, false);
            case SUBW -> word(mv, in, ISUB, false);
            case SLLW -> word(mv, in, ISHL, false);
            case SRLW -> word(mv, in, IUSHR, false);
            case SRAW -> word(mv, in, ISHR, false);
            case MULW -> word(mv, in, IMUL, false);
            case MULH -> helper(mv, in, "java/lang/Math", "multiplyHigh");
            case MULHSU -> helper(mv, in, HART, "mulhsu");
            case MULHU -> helper(mv, in, HART, "mulhu");
            case DIV -> helper(mv, in, HART, "div");
            case DIVU -> helper(mv, in, HART, "divu");
            case REM -> helper(mv, in, HART, "rem");
            case REMU -> helper(mv, in, HART, "remu");
            case DIVW -> helper(mv, in, HART, "divw64");
            case DIVUW -> helper(mv, in, HART, "divuw");
            case REMW -> helper(mv, in, HART, "remw");
            case REMUW -> helper(mv, in, HART, "remuw");
            case FENCE -> { }
            default -> rare(mv, in, i);
        }
    }

    /** Calls the hart's implementation: system instructions, CSRs, atomics, floating point. */
    private static void rare(MethodVisitor mv, Insn in, int i) {
        setPos(mv, i);
        mv.visitVarInsn(ALOAD, H);
        mv.visitVarInsn(ALOAD, CODE);
        mv.visitLdcInsn(i);
        mv.visitInsn(AALOAD);
        pushPc(mv, in.off);
        mv.visitMethodInsn(INVOKEVIRTUAL, HART, "executeRare", "(L" + INSN + ";J)I", false);
        Label next = new Label(), end = new Label();
        mv.visitInsn(DUP);
        mv.visitLdcInsn(2); // RARE_JUMPED: the instruction set pc itself
        Label notJumped = new Label();
        mv.visitJumpInsn(IF_ICMPNE, notJumped);
        mv.visitInsn(POP);
        mv.visitVarInsn(ALOAD, H);
        mv.visitLdcInsn(i + 1);
        mv.visitMethodInsn(INVOKEVIRTUAL, HART, "retire", "(I)V", false);
        mv.visitInsn(RETURN);
        mv.visitLabel(notJumped);
        mv.visitJumpInsn(IFNE, end); // RARE_END
        mv.visitVarInsn(ALOAD, H);
        mv.visitFieldInsn(GETFIELD, HART, "exitBlock", "Z");
        mv.visitJumpInsn(IFEQ, next);
        mv.visitLabel(end);
        leave(mv, in.next, i + 1);
        mv.visitInsn(RETURN);
        mv.visitLabel(next);
    }
}
