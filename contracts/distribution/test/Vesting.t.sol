// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {DistributorFixture} from "./utils/DistributorFixture.sol";
import {MerkleBuilder} from "./utils/MerkleBuilder.sol";
import {AirdropDistributor} from "../src/AirdropDistributor.sol";
import {MockERC20} from "./mocks/Mocks.sol";

/// 25% at start, nothing more before a 90-day cliff, fully vested 365 days after start.
contract VestingTest is DistributorFixture {
    uint16 internal constant BPS = 2_500;
    uint64 internal constant CLIFF = 90 days;
    uint64 internal constant DURATION = 365 days;

    AirdropDistributor internal d;
    uint256 internal amt;

    function setUp() public {
        _makeTree(3);
        d = _deploy(BPS, CLIFF, DURATION);
        amt = amounts[1];
        vm.warp(START);
    }

    function _claim1() internal returns (uint256) {
        return d.claim(1, accounts[1], amt, _proof(1));
    }

    function _expected(uint256 elapsed) internal view returns (uint256) {
        uint256 unlocked = amt * BPS / 10_000;
        if (elapsed >= DURATION) return amt;
        if (elapsed < CLIFF) return unlocked;
        return unlocked + (amt - unlocked) * elapsed / DURATION;
    }

    function test_beforeStart() public {
        vm.assertEq(d.vestedAmount(amt, START - 1), 0, "nothing before start");
        vm.warp(START - 1);
        vm.expectRevert(abi.encodeWithSelector(AirdropDistributor.ClaimNotStarted.selector, START));
        _claim1();
    }

    function test_atStartPaysUnlockedOnly() public {
        vm.assertEq(_claim1(), amt * BPS / 10_000, "unlocked share");
        vm.assertEq(d.claimedAmount(1), amt * BPS / 10_000, "tracked");
        vm.assertFalse(d.isClaimed(1), "not fully claimed");
    }

    function test_beforeCliffNothingMore() public {
        _claim1();
        vm.warp(START + CLIFF - 1);
        vm.assertEq(d.claimableAmount(1, amt), 0, "claimable");
        vm.expectRevert(abi.encodeWithSelector(AirdropDistributor.NothingToClaim.selector, 1));
        _claim1();
    }

    function test_atCliffJumpsToLinear() public {
        _claim1();
        vm.warp(START + CLIFF);
        uint256 paid = _claim1();
        vm.assertEq(paid, _expected(CLIFF) - amt * BPS / 10_000, "cliff catch-up");
        vm.assertEq(token.balanceOf(accounts[1]), _expected(CLIFF), "total so far");
    }

    function test_midway() public {
        vm.warp(START + 200 days);
        vm.assertEq(_claim1(), _expected(200 days), "first claim mid-way pays everything vested");
    }

    function test_atEndPaysAllAndSetsBit() public {
        _claim1();
        vm.warp(START + DURATION);
        _claim1();
        vm.assertEq(token.balanceOf(accounts[1]), amt, "exactly the allocation");
        vm.assertTrue(d.isClaimed(1), "fully claimed");
    }

    function test_afterEndOneClaimPaysAllThenRejects() public {
        vm.warp(START + DURATION + 10 days);
        vm.assertEq(_claim1(), amt, "all at once");
        vm.expectRevert(abi.encodeWithSelector(AirdropDistributor.AlreadyClaimed.selector, 1));
        _claim1();
    }

    function test_manyPartialClaimsSumExactly() public {
        uint256 sum;
        for (uint256 t = 0; t <= DURATION + 1 days; t += 7 days + 13) {
            vm.warp(START + t);
            if (d.claimableAmount(1, amt) == 0) continue;
            sum += _claim1();
        }
        vm.warp(START + DURATION);
        if (!d.isClaimed(1)) sum += _claim1();
        vm.assertEq(sum, amt, "sum of partial claims");
        vm.assertEq(token.balanceOf(accounts[1]), amt, "balance");
    }

    function test_zeroUnlockedZeroCliff() public {
        AirdropDistributor z = _deploy(0, 0, DURATION);
        vm.assertEq(z.claimableAmount(1, amt), 0, "nothing at start");
        vm.expectRevert(abi.encodeWithSelector(AirdropDistributor.NothingToClaim.selector, 1));
        z.claim(1, accounts[1], amt, _proof(1));
        vm.warp(START + DURATION / 2);
        vm.assertEq(z.claim(1, accounts[1], amt, _proof(1)), amt * (DURATION / 2) / DURATION, "half");
    }

    function test_fullUnlockWithDurationPaysAllAtStart() public {
        AirdropDistributor f = _deploy(10_000, CLIFF, DURATION);
        vm.assertEq(f.claim(1, accounts[1], amt, _proof(1)), amt, "everything unlocked");
        vm.assertTrue(f.isClaimed(1), "bit set");
    }

    AirdropDistributor internal fd;
    MockERC20 internal ft;
    address internal constant WHO = address(0xBEEF);

    function _deployOne(uint256 amount, uint16 bps, uint32 cliff, uint32 duration) internal {
        delete leaves;
        leaves.push(MerkleBuilder.leaf(0, WHO, amount));
        leaves.push(MerkleBuilder.leaf(1, address(0xCAFE), 1)); // two leaves: a real proof
        root = MerkleBuilder.root(leaves);
        ft = new MockERC20();
        fd = _new(ft, root, START, DEADLINE, treasury, owner, bps, cliff, duration);
        ft.mint(address(fd), amount);
    }

    /// Awkward amounts and random claim times: what is vested never decreases, every claim pays
    /// up to exactly what is vested, and the claims end exactly at the allocation.
    function testFuzz_partialClaimsSumToAmount(uint256 amount, uint16 bps, uint32 cliff, uint32 duration, uint256 seed)
        public
    {
        amount = bound(amount, 0, 1e36);
        duration = uint32(bound(duration, 1, 399 days));
        _deployOne(amount, uint16(bound(bps, 0, 10_000)), uint32(bound(cliff, 0, duration)), duration);
        bytes32[] memory p = MerkleBuilder.proof(leaves, 0);

        uint256 time = START;
        uint256 lastVested;
        for (uint256 k; k < 8 && !fd.isClaimed(0); ++k) {
            time += uint256(keccak256(abi.encode(seed, k))) % (uint256(duration) / 4 + 1);
            if (time >= DEADLINE) break;
            vm.warp(time);
            uint256 vested = fd.vestedAmount(amount, time);
            vm.assertGe(vested, lastVested, "monotonic");
            vm.assertLe(vested, amount, "bounded");
            lastVested = vested;
            if (fd.claimableAmount(0, amount) > 0) fd.claim(0, WHO, amount, p);
            vm.assertEq(ft.balanceOf(WHO), vested, "paid == vested");
        }
        vm.warp(uint256(START) + duration);
        if (!fd.isClaimed(0) && amount > 0) fd.claim(0, WHO, amount, p);
        vm.assertEq(ft.balanceOf(WHO), amount, "sum equals allocation");
        vm.assertEq(ft.balanceOf(address(fd)), 0, "nothing left");
    }
}
