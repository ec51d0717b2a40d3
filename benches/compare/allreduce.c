/* MPI_Allreduce (sum) timings on this machine, for the communication model in BENCHMARKS.md:
 * for each message size, REPS timed all-reduces after WARMUP untimed ones, each preceded by a
 * barrier; prints the minimum and median over the repetitions of the slowest rank's time.
 *
 * Sizes: 1, 1 024, 16 384, 65 536 and 235 149 floats (the MNIST MLP's fused gradient buffer
 * in f32, 0.94 MB), and 235 149 int64 (the same under --deterministic-reduce, 1.88 MB).
 *
 *     mpicc -O2 -o /tmp/allreduce benches/compare/allreduce.c
 *     mpirun --oversubscribe -np 2 /tmp/allreduce
 *
 * benches/compare/ddp.py builds and runs it with the same environment as nn's runs. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

enum { WARMUP = 20, REPS = 200 };

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The slowest rank's seconds for each of REPS all-reduces of n elements of type t. */
static void time_allreduce(MPI_Datatype t, int size_of, int n, double *times) {
    void *send = calloc((size_t)n, (size_t)size_of), *recv = calloc((size_t)n, (size_t)size_of);
    for (int r = 0; r < WARMUP + REPS; r++) {
        MPI_Barrier(MPI_COMM_WORLD);
        double start = MPI_Wtime();
        MPI_Allreduce(send, recv, n, t, MPI_SUM, MPI_COMM_WORLD);
        double mine = MPI_Wtime() - start, slowest;
        MPI_Allreduce(&mine, &slowest, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
        if (r >= WARMUP) times[r - WARMUP] = slowest;
    }
    free(send);
    free(recv);
}

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    const int counts[] = {1, 1024, 16384, 65536, 235149, 235149};
    double times[REPS];
    if (rank == 0) printf("np\ttype\telements\tbytes\tmin_us\tmedian_us\n");
    for (int i = 0; i < 6; i++) {
        int wide = i == 5;
        MPI_Datatype t = wide ? MPI_INT64_T : MPI_FLOAT;
        int size_of = wide ? 8 : 4;
        time_allreduce(t, size_of, counts[i], times);
        qsort(times, REPS, sizeof times[0], cmp);
        if (rank == 0)
            printf("%d\t%s\t%d\t%d\t%.1f\t%.1f\n", size, wide ? "i64" : "f32", counts[i],
                   counts[i] * size_of, times[0] * 1e6, times[REPS / 2] * 1e6);
    }
    MPI_Finalize();
    return 0;
}
