package dev.lockstep.emulator.virtio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lockstep.emulator.io.InputEvent;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class VirtioBlkTest {
    /** A disk in memory that records what it was asked and answers only when the test says so. */
    static class MemoryDisk implements BlockBackend {
        final byte[] image;
        final List<String> requests = new ArrayList<>();

        MemoryDisk(int sectors) {
            image = new byte[sectors * 512];
            for (int i = 0; i < image.length; i++) image[i] = (byte) (i * 7 + i / 512);
        }

        @Override public long capacity() { return image.length; }
        @Override public void read(long id, long offset, int length) { requests.add("read " + id + " " + offset + " " + length); }

        @Override
        public void write(long id, long offset, byte[] data) {
            requests.add("write " + id + " " + offset + " " + data.length);
            System.arraycopy(data, 0, image, (int) offset, data.length);
        }

        @Override public void flush(long id) { requests.add("flush " + id); }
        @Override public byte[] readNow(long offset, int length) { return Arrays.copyOfRange(image, (int) offset, (int) offset + length); }
    }

    static final long HDR = VirtioTestBench.DATA, BUF = HDR + 0x1000, STATUS = HDR + 0x100;

    private static void header(VirtioTestBench b, int type, long sector) {
        byte[] h = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(type).putInt(0).putLong(sector).array();
        b.bus.writeBytes(HDR, h, 0, 16);
        b.bus.write(STATUS, 1, 0xff);
    }

    private static int readRequest(VirtioTestBench b, long sector, int len) {
        header(b, VirtioBlk.T_IN, sector);
        return b.offer(0, new long[] {HDR, 16, 0}, new long[] {BUF, len, 1}, new long[] {STATUS, 1, 1});
    }

    @ParameterizedTest(name = "legacy={0}")
    @ValueSource(booleans = {true, false})
    void aReadCompletesOnlyWhenItsDiskDoneIsDelivered(boolean legacy) {
        MemoryDisk disk = new MemoryDisk(64);
        VirtioTestBench b = new VirtioTestBench(new VirtioBlk(disk, ""), legacy);
        b.init(1);
        b.enableInterrupt();
        readRequest(b, 2, 1024);
        b.notifyQueue(0);

        assertThat(disk.requests).containsExactly("read 1 1024 1024");
        assertThat(b.usedIdx(0)).isZero();
        assertThat(b.meip()).isFalse();

        byte[] data = Arrays.copyOfRange(disk.image, 1024, 2048);
        b.machine.deliver(new InputEvent.DiskDone(1, VirtioBlk.S_OK, data));

        assertThat(b.usedIdx(0)).isEqualTo(1);
        assertThat(b.usedLen(0, 0)).isEqualTo(1025);
        assertThat(b.ram(BUF, 1024)).isEqualTo(data);
        assertThat(b.ram(STATUS, 1)[0]).isEqualTo((byte) VirtioBlk.S_OK);
        assertThat(b.meip()).isTrue();
    }

    @Test
    void aPrivateDiskCompletionWithoutDataIsFilledFromTheImageAtDelivery() {
        MemoryDisk disk = new MemoryDisk(8);
        VirtioTestBench b = new VirtioTestBench(new VirtioBlk(disk, ""), false);
        b.init(1);
        readRequest(b, 1, 512);
        b.notifyQueue(0);
        b.machine.deliver(new InputEvent.DiskDone(1, VirtioBlk.S_OK, null));
        assertThat(b.ram(BUF, 512)).isEqualTo(Arrays.copyOfRange(disk.image, 512, 1024));
    }

    @Test
    void aWriteCarriesGuestDataToTheBackendAndIsOutput() {
        MemoryDisk disk = new MemoryDisk(8);
        VirtioTestBench b = new VirtioTestBench(new VirtioBlk(disk, ""), false);
        b.init(1);
        header(b, VirtioBlk.T_OUT, 3);
        byte[] payload = new byte[512];
        Arrays.fill(payload, (byte) 0x5a);
        b.bus.writeBytes(BUF, payload, 0, 512);
        b.offer(0, new long[] {HDR, 16, 0}, new long[] {BUF, 512, 0}, new long[] {STATUS, 1, 1});
        b.notifyQueue(0);
        assertThat(disk.requests).containsExactly("write 1 1536 512");
        assertThat(Arrays.copyOfRange(disk.image, 1536, 2048)).isEqualTo(payload);
        assertThat(b.diskOut.size()).isEqualTo(8 + 512);
        b.machine.deliver(new InputEvent.DiskDone(1, VirtioBlk.S_OK, null));
        assertThat(b.usedLen(0, 0)).isEqualTo(1);
        assertThat(b.ram(STATUS, 1)[0]).isZero();
    }

    @Test
    void flushGoesToTheBackendAndGetIdAnswersAtOnce() {
        MemoryDisk disk = new MemoryDisk(8);
        VirtioTestBench b = new VirtioTestBench(new VirtioBlk(disk, "disk-7"), false);
        b.init(1);
        header(b, VirtioBlk.T_FLUSH, 0);
        b.offer(0, new long[] {HDR, 16, 0}, new long[] {STATUS, 1, 1});
        b.notifyQueue(0);
        assertThat(disk.requests).containsExactly("flush 1");
        b.machine.deliver(new InputEvent.DiskDone(1, VirtioBlk.S_OK, null));

        header(b, VirtioBlk.T_GET_ID, 0);
        b.offer(0, new long[] {HDR, 16, 0}, new long[] {BUF, 20, 1}, new long[] {STATUS, 1, 1});
        b.notifyQueue(0);
        assertThat(b.usedIdx(0)).isEqualTo(2);
        assertThat(new String(b.ram(BUF, 6))).isEqualTo("disk-7");
    }

    @Test
    void aReadBeyondTheEndOfTheDiskFailsWithIoerrWithoutReachingTheBackend() {
        MemoryDisk disk = new MemoryDisk(8);
        VirtioTestBench b = new VirtioTestBench(new VirtioBlk(disk, ""), false);
        b.init(1);
        readRequest(b, 7, 1024);
        b.notifyQueue(0);
        assertThat(disk.requests).isEmpty();
        assertThat(b.ram(STATUS, 1)[0]).isEqualTo((byte) VirtioBlk.S_IOERR);
    }

    @Test
    void anUnknownRequestTypeIsUnsupported() {
        VirtioTestBench b = new VirtioTestBench(new VirtioBlk(new MemoryDisk(8), ""), false);
        b.init(1);
        header(b, 99, 0);
        b.offer(0, new long[] {HDR, 16, 0}, new long[] {STATUS, 1, 1});
        b.notifyQueue(0);
        assertThat(b.ram(STATUS, 1)[0]).isEqualTo((byte) VirtioBlk.S_UNSUPP);
    }

    @Test
    void capacityIsInConfigSpaceInSectors() {
        VirtioTestBench b = new VirtioTestBench(new VirtioBlk(new MemoryDisk(2048), ""), true);
        assertThat(b.reg(0x08)).isEqualTo(2);
        assertThat(b.bus.read(b.base + 0x100, 8)).isEqualTo(2048);
    }

    @Test
    void aDiskWhoseSizeIsNotWholeSectorsIsRefused() {
        BlockBackend odd = new MemoryDisk(1) {
            @Override public long capacity() { return 1000; }
        };
        assertThatThrownBy(() -> new VirtioBlk(odd, "")).hasMessageContaining("not a multiple of 512");
    }

    @Test
    void inFlightRequestsSurviveSnapshotAndRestore() {
        MemoryDisk disk = new MemoryDisk(8);
        VirtioTestBench b = new VirtioTestBench(new VirtioBlk(disk, ""), false);
        b.init(1);
        readRequest(b, 0, 512);
        b.notifyQueue(0);
        var snap = b.machine.snapshot();
        long hash = b.machine.stateHash();

        b.machine.deliver(new InputEvent.DiskDone(1, VirtioBlk.S_OK, null));
        assertThat(b.usedIdx(0)).isEqualTo(1);

        b.machine.restore(snap);
        assertThat(b.machine.stateHash()).isEqualTo(hash);
        assertThat(b.usedIdx(0)).isZero();
        b.machine.deliver(new InputEvent.DiskDone(1, VirtioBlk.S_OK, null));
        assertThat(b.usedIdx(0)).isEqualTo(1);
        assertThat(b.ram(BUF, 512)).isEqualTo(Arrays.copyOf(disk.image, 512));
    }
}
