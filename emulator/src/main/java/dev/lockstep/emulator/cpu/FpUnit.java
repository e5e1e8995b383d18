// The F and D extensions on a hart: register file access, NaN-boxing, rounding modes and fflags.
package dev.lockstep.emulator.cpu;

import dev.lockstep.emulator.fpu.F32;
import dev.lockstep.emulator.fpu.F64;
import dev.lockstep.emulator.fpu.FpFlags;
import dev.lockstep.emulator.isa.Insn;

/**
 * Executes F/D instructions with the exact IEEE-754 arithmetic of {@code fpu}. Single values live
 * NaN-boxed in the 64-bit FP registers; a rounding-mode field of 7 takes frm, and a reserved mode traps.
 * Every instruction that writes an FP register or raises a flag marks mstatus.FS dirty.
 */
final class FpUnit implements FpState {
    private final Hart h;
    private final FpFlags flags = new FpFlags();

    FpUnit(Hart hart) { this.h = hart; }

    static void attach(Hart hart) { hart.attachFpu(new FpUnit(hart)); }

    private int rm(Insn in) {
        int rm = in.rm == 7 ? (h.csr.fcsr >>> 5) & 7 : in.rm;
        if (rm > 4) throw h.illegal(in);
        return rm;
    }

    private int s(int r) { return F32.unbox(h.f[r]); }

    private void setS(int rd, int v) { h.f[rd] = F32.box(v); }

    @Override
    public void execute(Insn in) {
        final long[] f = h.f, x = h.x;
        switch (in.op) {
            case FLW -> setS(in.rd, (int) h.load32(x[in.rs1] + in.imm));
            case FLD -> f[in.rd] = h.load64(x[in.rs1] + in.imm);
            case FSW -> { h.store32(x[in.rs1] + in.imm, f[in.rs2]); return; }
            case FSD -> { h.store64(x[in.rs1] + in.imm, f[in.rs2]); return; }
            case FMADD_S -> setS(in.rd, F32.fmadd(s(in.rs1), s(in.rs2), s(in.rs3), rm(in), flags));
            case FMSUB_S -> setS(in.rd, F32.fmsub(s(in.rs1), s(in.rs2), s(in.rs3), rm(in), flags));
            case FNMSUB_S -> setS(in.rd, F32.fnmsub(s(in.rs1), s(in.rs2), s(in.rs3), rm(in), flags));
            case FNMADD_S -> setS(in.rd, F32.fnmadd(s(in.rs1), s(in.rs2), s(in.rs3), rm(in), flags));
            case FMADD_D -> f[in.rd] = F64.fmadd(f[in.rs1], f[in.rs2], f[in.rs3], rm(in), flags);
            case FMSUB_D -> f[in.rd] = F64.fmsub(f[in.rs1], f[in.rs2], f[in.rs3], rm(in), flags);
            case FNMSUB_D -> f[in.rd] = F64.fnmsub(f[in.rs1], f[in.rs2], f[in.rs3], rm(in), flags);
            case FNMADD_D -> f[in.rd] = F64.fnmadd(f[in.rs1], f[in.rs2], f[in.rs3], rm(in), flags);
            case FADD_S -> setS(in.rd, F32.add(s(in.rs1), s(in.rs2), rm(in), flags));
            case FSUB_S -> setS(in.rd, F32.sub(s(in.rs1), s(in.rs2), rm(in), flags));
            case FMUL_S -> setS(in.rd, F32.mul(s(in.rs1), s(in.rs2), rm(in), flags));
            case FDIV_S -> setS(in.rd, F32.div(s(in.rs1), s(in.rs2), rm(in), flags));
            case FSQRT_S -> setS(in.rd, F32.sqrt(s(in.rs1), rm(in), flags));
            case FSGNJ_S -> setS(in.rd, (s(in.rs1) & 0x7fffffff) | (s(in.rs2) & 0x80000000));
            case FSGNJN_S -> setS(in.rd, (s(in.rs1) & 0x7fffffff) | (~s(in.rs2) & 0x80000000));
            case FSGNJX_S -> setS(in.rd, s(in.rs1) ^ (s(in.rs2) & 0x80000000));
            case FMIN_S -> setS(in.rd, F32.min(s(in.rs1), s(in.rs2), flags));
            case FMAX_S -> setS(in.rd, F32.max(s(in.rs1), s(in.rs2), flags));
            case FCVT_W_S -> x[in.rd] = F32.toInt32(s(in.rs1), rm(in), flags);
            case FCVT_WU_S -> x[in.rd] = F32.toUint32(s(in.rs1), rm(in), flags);
            case FCVT_L_S -> x[in.rd] = F32.toInt64(s(in.rs1), rm(in), flags);
            case FCVT_LU_S -> x[in.rd] = F32.toUint64(s(in.rs1), rm(in), flags);
            case FMV_X_W -> { x[in.rd] = (int) f[in.rs1]; return; }
            case FCLASS_S -> { x[in.rd] = F32.classify(s(in.rs1)); return; }
            case FEQ_S -> x[in.rd] = F32.eq(s(in.rs1), s(in.rs2), flags) ? 1 : 0;
            case FLT_S -> x[in.rd] = F32.lt(s(in.rs1), s(in.rs2), flags) ? 1 : 0;
            case FLE_S -> x[in.rd] = F32.le(s(in.rs1), s(in.rs2), flags) ? 1 : 0;
            case FCVT_S_W -> setS(in.rd, F32.fromInt32((int) x[in.rs1], rm(in), flags));
            case FCVT_S_WU -> setS(in.rd, F32.fromUint32((int) x[in.rs1], rm(in), flags));
            case FCVT_S_L -> setS(in.rd, F32.fromInt64(x[in.rs1], rm(in), flags));
            case FCVT_S_LU -> setS(in.rd, F32.fromUint64(x[in.rs1], rm(in), flags));
            case FMV_W_X -> setS(in.rd, (int) x[in.rs1]);
            case FADD_D -> f[in.rd] = F64.add(f[in.rs1], f[in.rs2], rm(in), flags);
            case FSUB_D -> f[in.rd] = F64.sub(f[in.rs1], f[in.rs2], rm(in), flags);
            case FMUL_D -> f[in.rd] = F64.mul(f[in.rs1], f[in.rs2], rm(in), flags);
            case FDIV_D -> f[in.rd] = F64.div(f[in.rs1], f[in.rs2], rm(in), flags);
            case FSQRT_D -> f[in.rd] = F64.sqrt(f[in.rs1], rm(in), flags);
            case FSGNJ_D -> f[in.rd] = (f[in.rs1] & Long.MAX_VALUE) | (f[in.rs2] & Long.MIN_VALUE);
            case FSGNJN_D -> f[in.rd] = (f[in.rs1] & Long.MAX_VALUE) | (~f[in.rs2] & Long.MIN_VALUE);
            case FSGNJX_D -> f[in.rd] = f[in.rs1] ^ (f[in.rs2] & Long.MIN_VALUE);
            case FMIN_D -> f[in.rd] = F64.min(f[in.rs1], f[in.rs2], flags);
            case FMAX_D -> f[in.rd] = F64.max(f[in.rs1], f[in.rs2], flags);
            case FCVT_S_D -> setS(in.rd, F64.toF32(f[in.rs1], rm(in), flags));
            case FCVT_D_S -> { rm(in); f[in.rd] = F32.toF64(s(in.rs1), flags); }
            case FEQ_D -> x[in.rd] = F64.eq(f[in.rs1], f[in.rs2], flags) ? 1 : 0;
            case FLT_D -> x[in.rd] = F64.lt(f[in.rs1], f[in.rs2], flags) ? 1 : 0;
            case FLE_D -> x[in.rd] = F64.le(f[in.rs1], f[in.rs2], flags) ? 1 : 0;
            case FCLASS_D -> { x[in.rd] = F64.classify(f[in.rs1]); return; }
            case FCVT_W_D -> x[in.rd] = F64.toInt32(f[in.rs1], rm(in), flags);
            case FCVT_WU_D -> x[in.rd] = F64.toUint32(f[in.rs1], rm(in), flags);
            case FCVT_L_D -> x[in.rd] = F64.toInt64(f[in.rs1], rm(in), flags);
            case FCVT_LU_D -> x[in.rd] = F64.toUint64(f[in.rs1], rm(in), flags);
            case FMV_X_D -> { x[in.rd] = f[in.rs1]; return; }
            case FCVT_D_W -> { rm(in); f[in.rd] = F64.fromInt32((int) x[in.rs1]); }
            case FCVT_D_WU -> { rm(in); f[in.rd] = F64.fromUint32((int) x[in.rs1]); }
            case FCVT_D_L -> f[in.rd] = F64.fromInt64(x[in.rs1], rm(in), flags);
            case FCVT_D_LU -> f[in.rd] = F64.fromUint64(x[in.rs1], rm(in), flags);
            case FMV_D_X -> f[in.rd] = x[in.rs1];
            default -> throw h.illegal(in);
        }
        int raised = flags.bits();
        if (raised != 0) {
            h.csr.fcsr |= raised;
            flags.clear();
        }
        h.csr.fpDirty();
    }
}
