// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {DistributorFixture} from "./utils/DistributorFixture.sol";
import {MerkleBuilder} from "./utils/MerkleBuilder.sol";
import {AirdropDistributor} from "../src/AirdropDistributor.sol";
import {MockERC20, ReentrantToken} from "./mocks/Mocks.sol";

contract AirdropDistributorTest is DistributorFixture {
    AirdropDistributor internal d;

    event Claimed(uint256 index, address account, uint256 amount);
    event ClawedBack(address indexed to, uint256 amount);

    function setUp() public {
        _makeTree(5);
        d = _deploy(10_000, 0, 0);
        vm.warp(START);
    }

    // ---- constructor ----

    function _construct(IERC20 t, bytes32 r, uint64 s, uint64 dl, address cb, address o, uint16 b, uint64 c, uint64 du)
        internal
        returns (AirdropDistributor)
    {
        return _new(t, r, s, dl, cb, o, b, c, du);
    }

    function test_constructor_setsEverything() public view {
        vm.assertEq(address(d.token()), address(token), "token");
        vm.assertEq(d.merkleRoot(), root, "root");
        vm.assertEq(uint256(d.start()), START, "start");
        vm.assertEq(uint256(d.deadline()), DEADLINE, "deadline");
        vm.assertEq(d.clawbackTo(), treasury, "clawback");
        vm.assertEq(d.owner(), owner, "owner");
        vm.assertEq(uint256(d.unlockedBps()), 10_000, "bps");
    }

    function test_constructor_revertsOnZeroToken() public {
        vm.expectRevert(AirdropDistributor.ZeroAddress.selector);
        _construct(IERC20(address(0)), root, START, DEADLINE, treasury, owner, 10_000, 0, 0);
    }

    function test_constructor_revertsOnZeroClawback() public {
        vm.expectRevert(AirdropDistributor.ZeroAddress.selector);
        _construct(token, root, START, DEADLINE, address(0), owner, 10_000, 0, 0);
    }

    function test_constructor_revertsOnZeroOwner() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableInvalidOwner.selector, address(0)));
        _construct(token, root, START, DEADLINE, treasury, address(0), 10_000, 0, 0);
    }

    function test_constructor_revertsOnZeroRoot() public {
        vm.expectRevert(AirdropDistributor.ZeroRoot.selector);
        _construct(token, bytes32(0), START, DEADLINE, treasury, owner, 10_000, 0, 0);
    }

    function test_constructor_revertsOnStartAtDeadline() public {
        vm.expectRevert(abi.encodeWithSelector(AirdropDistributor.InvalidWindow.selector, START, START));
        _construct(token, root, START, START, treasury, owner, 10_000, 0, 0);
    }

    function test_constructor_revertsOnStartAfterDeadline() public {
        vm.expectRevert(abi.encodeWithSelector(AirdropDistributor.InvalidWindow.selector, START + 1, START));
        _construct(token, root, START + 1, START, treasury, owner, 10_000, 0, 0);
    }

    function test_constructor_revertsOnBpsOverMax() public {
        vm.expectRevert(AirdropDistributor.InvalidVesting.selector);
        _construct(token, root, START, DEADLINE, treasury, owner, 10_001, 0, 100);
    }

    function test_constructor_revertsOnCliffAfterDuration() public {
        vm.expectRevert(AirdropDistributor.InvalidVesting.selector);
        _construct(token, root, START, DEADLINE, treasury, owner, 0, 101, 100);
    }

    function test_constructor_revertsOnLockupWithoutDuration() public {
        vm.expectRevert(AirdropDistributor.InvalidVesting.selector);
        _construct(token, root, START, DEADLINE, treasury, owner, 5_000, 0, 0);
    }

    function test_constructor_revertsOnVestingPastDeadline() public {
        uint64 duration = DEADLINE - START + 1;
        vm.expectRevert(
            abi.encodeWithSelector(
                AirdropDistributor.VestingEndsAfterDeadline.selector, uint256(START) + duration, DEADLINE
            )
        );
        _construct(token, root, START, DEADLINE, treasury, owner, 0, 0, duration);
    }

    function test_constructor_acceptsVestingEndingAtDeadline() public {
        _construct(token, root, START, DEADLINE, treasury, owner, 0, 0, DEADLINE - START);
    }

    // ---- claim ----

    function test_claim_paysAccountAndEmits() public {
        vm.expectEmit(address(d));
        emit Claimed(2, accounts[2], amounts[2]);
        uint256 paid = d.claim(2, accounts[2], amounts[2], _proof(2));
        vm.assertEq(paid, amounts[2], "paid");
        vm.assertEq(token.balanceOf(accounts[2]), amounts[2], "balance");
        vm.assertTrue(d.isClaimed(2), "claimed bit");
        vm.assertFalse(d.isClaimed(1), "other bit");
    }

    function test_claim_byThirdPartyStillPaysAccount() public {
        address stranger = makeAddr("stranger");
        vm.prank(stranger);
        d.claim(0, accounts[0], amounts[0], _proof(0));
        vm.assertEq(token.balanceOf(accounts[0]), amounts[0], "account paid");
        vm.assertEq(token.balanceOf(stranger), 0, "stranger unpaid");
    }

    function test_claim_revertsBeforeStart() public {
        vm.warp(START - 1);
        vm.expectRevert(abi.encodeWithSelector(AirdropDistributor.ClaimNotStarted.selector, START));
        d.claim(0, accounts[0], amounts[0], _proof(0));
    }

    function test_claim_worksJustBeforeDeadline() public {
        vm.warp(DEADLINE - 1);
        d.claim(0, accounts[0], amounts[0], _proof(0));
    }

    function test_claim_revertsAtDeadline() public {
        vm.warp(DEADLINE);
        vm.expectRevert(abi.encodeWithSelector(AirdropDistributor.ClaimWindowClosed.selector, DEADLINE));
        d.claim(0, accounts[0], amounts[0], _proof(0));
    }

    function test_claim_revertsTwice() public {
        d.claim(3, accounts[3], amounts[3], _proof(3));
        vm.expectRevert(abi.encodeWithSelector(AirdropDistributor.AlreadyClaimed.selector, 3));
        d.claim(3, accounts[3], amounts[3], _proof(3));
    }

    function test_claim_revertsOnWrongAmount() public {
        vm.expectRevert(AirdropDistributor.InvalidProof.selector);
        d.claim(1, accounts[1], amounts[1] + 1, _proof(1));
    }

    function test_claim_revertsOnWrongAccount() public {
        vm.expectRevert(AirdropDistributor.InvalidProof.selector);
        d.claim(1, accounts[2], amounts[1], _proof(1));
    }

    function test_claim_revertsOnWrongIndex() public {
        vm.expectRevert(AirdropDistributor.InvalidProof.selector);
        d.claim(2, accounts[1], amounts[1], _proof(1));
    }

    function test_claim_revertsOnOtherLeafsProof() public {
        vm.expectRevert(AirdropDistributor.InvalidProof.selector);
        d.claim(1, accounts[1], amounts[1], _proof(2));
    }

    function test_claim_revertsOnEmptyProof() public {
        vm.expectRevert(AirdropDistributor.InvalidProof.selector);
        d.claim(1, accounts[1], amounts[1], new bytes32[](0));
    }

    function test_claim_revertsWhenUnderfunded() public {
        _makeTree(5);
        AirdropDistributor poor = _new(token, root, START, DEADLINE, treasury, owner, 10_000, 0, 0);
        vm.expectRevert(
            abi.encodeWithSelector(IERC20Errors.ERC20InsufficientBalance.selector, address(poor), 0, amounts[0])
        );
        poor.claim(0, accounts[0], amounts[0], _proof(0));
    }

    function test_claim_reentrancyCannotDoubleClaim() public {
        ReentrantToken evil = new ReentrantToken();
        AirdropDistributor rd = _new(evil, root, START, DEADLINE, treasury, owner, 10_000, 0, 0);
        evil.mint(address(rd), _total());
        evil.arm(address(rd), abi.encodeCall(AirdropDistributor.claim, (0, accounts[0], amounts[0], _proof(0))));
        rd.claim(0, accounts[0], amounts[0], _proof(0));
        vm.assertEq(evil.balanceOf(accounts[0]), amounts[0], "paid once");
        vm.assertEq(
            keccak256(evil.lastRevert()),
            keccak256(abi.encodeWithSelector(AirdropDistributor.AlreadyClaimed.selector, 0)),
            "re-entry hit AlreadyClaimed"
        );
    }

    function test_claimableAmount() public {
        vm.assertEq(d.claimableAmount(0, amounts[0]), amounts[0], "open");
        d.claim(0, accounts[0], amounts[0], _proof(0));
        vm.assertEq(d.claimableAmount(0, amounts[0]), 0, "claimed");
        vm.warp(START - 1);
        vm.assertEq(d.claimableAmount(1, amounts[1]), 0, "before start");
        vm.warp(DEADLINE);
        vm.assertEq(d.claimableAmount(1, amounts[1]), 0, "after deadline");
    }

    // ---- clawback ----

    function test_clawback_revertsBeforeDeadline() public {
        vm.warp(DEADLINE - 1);
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(AirdropDistributor.ClawbackBeforeDeadline.selector, DEADLINE));
        d.clawback();
    }

    function test_clawback_revertsForNonOwner() public {
        vm.warp(DEADLINE);
        address stranger = makeAddr("stranger");
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        d.clawback();
    }

    function test_clawback_sweepsRestAfterDeadline() public {
        d.claim(0, accounts[0], amounts[0], _proof(0));
        uint256 rest = _total() - amounts[0];
        vm.warp(DEADLINE);
        vm.expectEmit(address(d));
        emit ClawedBack(treasury, rest);
        vm.prank(owner);
        vm.assertEq(d.clawback(), rest, "returned");
        vm.assertEq(token.balanceOf(treasury), rest, "treasury");
        vm.assertEq(token.balanceOf(address(d)), 0, "empty");

        vm.prank(owner);
        vm.expectRevert(AirdropDistributor.NothingToClawBack.selector);
        d.clawback();

        vm.expectRevert(abi.encodeWithSelector(AirdropDistributor.ClaimWindowClosed.selector, DEADLINE));
        d.claim(1, accounts[1], amounts[1], _proof(1));
    }

    // ---- fuzz ----

    /// Random tree sizes and amounts, claimed in a random order: every leaf pays exactly once and
    /// the contract ends empty.
    function testFuzz_everyLeafClaimableExactlyOnce(uint256 seed, uint8 size) public {
        uint256 n = bound(size, 1, 24);
        delete accounts;
        delete amounts;
        delete leaves;
        uint256 total;
        for (uint256 i; i < n; ++i) {
            accounts.push(address(uint160(uint256(keccak256(abi.encode(seed, "acct", i))))));
            amounts.push(uint256(keccak256(abi.encode(seed, "amt", i))) % 1e30);
            leaves.push(MerkleBuilder.leaf(i, accounts[i], amounts[i]));
            total += amounts[i];
        }
        root = MerkleBuilder.root(leaves);
        MockERC20 t = new MockERC20();
        AirdropDistributor fd = _new(t, root, START, DEADLINE, treasury, owner, 10_000, 0, 0);
        t.mint(address(fd), total);

        // Fisher-Yates over claim order.
        uint256[] memory order = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            order[i] = i;
        }
        for (uint256 i = n; i > 1; --i) {
            uint256 j = uint256(keccak256(abi.encode(seed, "order", i))) % i;
            (order[i - 1], order[j]) = (order[j], order[i - 1]);
        }
        for (uint256 k; k < n; ++k) {
            uint256 i = order[k];
            bytes32[] memory p = MerkleBuilder.proof(leaves, i);
            uint256 before = t.balanceOf(accounts[i]);
            fd.claim(i, accounts[i], amounts[i], p);
            vm.assertEq(t.balanceOf(accounts[i]) - before, amounts[i], "paid amount");
            vm.expectRevert(abi.encodeWithSelector(AirdropDistributor.AlreadyClaimed.selector, i));
            fd.claim(i, accounts[i], amounts[i], p);
        }
        vm.assertEq(t.balanceOf(address(fd)), 0, "all paid out");
    }
}
